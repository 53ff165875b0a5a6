/**
 * A Git repository served over HTTP with basic auth, as a hosting service serves one: Node's
 * http server in front of git's own `git http-backend` (CGI). Reads and pushes need the token;
 * without it the server answers 401, so a client only gets in through its credential helper.
 */
import { execa } from 'execa';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpGit {
  /** `http://127.0.0.1:<port>/<name>`: a URL without credentials, as a spec names it. */
  url(name: string): string;
  /** Requests refused for a missing or wrong token, and requests let in. */
  counts: { refused: number; served: number };
  stop(): Promise<void>;
}

export async function serveOverHttp(root: string, user: string, token: string): Promise<HttpGit> {
  const counts = { refused: 0, served: 0 };
  const expected = `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers.authorization !== expected) {
      counts.refused += 1;
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    counts.served += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const cgi = await execa('git', ['http-backend'], {
      input: Buffer.concat(chunks),
      encoding: 'buffer',
      reject: false,
      extendEnv: false,
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        // A REMOTE_USER is what lets http-backend take pushes.
        REMOTE_USER: user,
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      },
    });
    const out = Buffer.from(cgi.stdout);
    const end = out.indexOf('\r\n\r\n');
    const head = out.subarray(0, end).toString('utf8');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.split('\r\n')) {
      const [name = '', ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else if (name !== '') headers[name] = value;
    }
    response.writeHead(status, headers).end(out.subarray(end + 4));
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    counts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
