/**
 * A stand-in for systemd's notification socket, run as a child process by
 * notify_socket.ts (it needs --unstable-net, which the tests do not run
 * with): binds a Unix datagram socket at the path given as its argument, says
 * `{"listening":PATH}`, then prints each datagram as one JSON string per line.
 */
const path = Deno.args[0];
const conn = Deno.listenDatagram({ transport: "unixpacket", path });
const decoder = new TextDecoder();
console.log(JSON.stringify({ listening: path }));
while (true) {
  const [data] = await conn.receive();
  console.log(JSON.stringify(decoder.decode(data)));
}
