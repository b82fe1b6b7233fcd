/**
 * Throwaway certificates for TLS tests, made with `openssl`: a CA, a server
 * certificate for 127.0.0.1 and localhost, a client certificate, and a second
 * CA that signed none of them. EC P-256 keys, quick to make even under
 * emulation. Files are readable by everyone, so a Mosquitto that drops root
 * for its own user can read them; they protect nothing.
 */
import { requireTool } from "./tools.ts";

/** Paths of the PEM files {@link makeCertificates} wrote. */
export interface Certificates {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: trusting it is trusting the wrong CA. */
  otherCa: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const binary = requireTool("openssl");
  const { code, stderr } = await new Deno.Command(binary, { args, cwd, stdout: "null" }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

async function selfSigned(dir: string, name: string, subject: string): Promise<void> {
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${subject}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
}

/** Options of {@link issue}. */
export interface IssueOptions {
  /** Names for the subjectAltName, e.g. `IP:127.0.0.1,DNS:localhost`. */
  altNames?: string;
  /** `serverAuth` or `clientAuth`. */
  usage: "serverAuth" | "clientAuth";
  /** Make it expired: valid for one day in 2020. */
  expired?: boolean;
}

/** Issues a certificate signed by the test CA; resolves to the paths of it and its key. */
export async function issue(
  certs: Pick<Certificates, "dir" | "ca" | "caKey">,
  name: string,
  options: IssueOptions,
): Promise<{ cert: string; key: string }> {
  const { dir } = certs;
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ], dir);
  const extensions = [
    "basicConstraints=CA:FALSE",
    `extendedKeyUsage=${options.usage}`,
    ...(options.altNames ? [`subjectAltName=${options.altNames}`] : []),
  ];
  await Deno.writeTextFile(`${dir}/${name}.ext`, extensions.join("\n") + "\n");
  if (options.expired) {
    // A certificate as one expires in the field: valid for a day, years ago.
    // Only `openssl ca` sets dates in OpenSSL 3.0, and it wants a database.
    await Deno.writeTextFile(`${dir}/index.txt`, "");
    await Deno.writeTextFile(`${dir}/serial`, "1000\n");
    await Deno.writeTextFile(
      `${dir}/ca.cnf`,
      [
        "[ca]",
        "default_ca = test",
        "[test]",
        `database = ${dir}/index.txt`,
        `serial = ${dir}/serial`,
        `new_certs_dir = ${dir}`,
        "default_md = sha256",
        "policy = any",
        "[any]",
        "commonName = supplied",
        "",
      ].join("\n"),
    );
    await openssl([
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-cert",
      certs.ca,
      "-keyfile",
      certs.caKey,
      "-in",
      `${name}.csr`,
      "-out",
      `${name}.crt`,
      "-startdate",
      "20200101000000Z",
      "-enddate",
      "20200102000000Z",
      "-extfile",
      `${name}.ext`,
    ], dir);
  } else {
    await openssl([
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      certs.ca,
      "-CAkey",
      certs.caKey,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ], dir);
  }
  await Deno.chmod(`${dir}/${name}.key`, 0o644);
  return { cert: `${dir}/${name}.crt`, key: `${dir}/${name}.key` };
}

/** Makes a CA, a server and a client certificate, and another CA, in a new temporary folder. */
export async function makeCertificates(): Promise<Certificates> {
  const dir = await Deno.makeTempDir({ prefix: "smr-certs-" });
  await Deno.chmod(dir, 0o755);
  await selfSigned(dir, "ca", "smr test CA");
  await selfSigned(dir, "other-ca", "some other CA");
  const signer = { dir, ca: `${dir}/ca.crt`, caKey: `${dir}/ca.key` };
  const server = await issue(signer, "server", {
    usage: "serverAuth",
    altNames: "IP:127.0.0.1,DNS:localhost",
  });
  const client = await issue(signer, "smr-client", { usage: "clientAuth" });
  return {
    ...signer,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    otherCa: `${dir}/other-ca.crt`,
  };
}
