/**
 * A stand-in for systemd's notification socket, run as a child process by
 * notify_socket.ts (it needs --unstable-net, which the tests do not run
 * with): binds a Unix datagram socket at the path given as its argument, says
 * `{"listening":PATH}`, then prints each datagram as one line of JSON:
 * `{"text":…,"at":…}` with the time it arrived in ms since the epoch, taken
 * here so that a busy test process does not blur the intervals.
 */
const path = Deno.args[0];
const conn = Deno.listenDatagram({ transport: "unixpacket", path });
const decoder = new TextDecoder();
console.log(JSON.stringify({ listening: path }));
while (true) {
  const [data] = await conn.receive();
  const at = performance.timeOrigin + performance.now();
  console.log(JSON.stringify({ text: decoder.decode(data), at }));
}
