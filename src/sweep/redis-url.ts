/**
 * `--queue redis://[user][:password@]host[:port][/db]` (or `rediss://` for TLS) parsed into ioredis
 * connection options. Pure: no connection here, so `airtune sweep` can reject a bad URL before it
 * plans anything and a plain local sweep never loads the Redis client.
 *
 * URL form as in the IANA `redis` / `rediss` URI schemes (RFC 3986 userinfo, path = database
 * number), which is also what redis-cli and ioredis accept.
 */
import { isIP } from 'node:net';
import { UsageError } from '../core/errors.js';

export interface RedisConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Present for `rediss://`: node:tls options (certificate checked against the host name). */
  tls?: { servername?: string };
}

export const DEFAULT_REDIS_PORT = 6379;

/** The URL with its password masked, for messages and logs. */
export function describeRedisUrl(c: RedisConnection): string {
  const scheme = c.tls ? 'rediss' : 'redis';
  const auth = c.password !== undefined ? `${c.username ?? ''}:***@` : c.username !== undefined ? `${c.username}@` : '';
  const host = isIP(c.host) === 6 ? `[${c.host}]` : c.host;
  return `${scheme}://${auth}${host}:${c.port}${c.db !== 0 ? `/${c.db}` : ''}`;
}

export function parseRedisUrl(text: string): RedisConnection {
  const bad = (why: string) =>
    new UsageError(`--queue: ${why}; expected redis://[:password@]host[:port][/db] or rediss://... (TLS), e.g. redis://127.0.0.1:6379`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`"${text.replace(/:[^:@/]*@/, ':***@')}" is not a URL`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`the scheme is "${url.protocol.replace(/:$/, '')}"`);
  if (url.hostname === '') throw bad('the host is missing');
  if (url.search !== '' || url.hash !== '') throw bad('query parameters and fragments are not supported');
  let port = DEFAULT_REDIS_PORT;
  if (url.port !== '') {
    port = Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`the port "${url.port}" is not 1..65535`);
  }
  let db = 0;
  const path = url.pathname.replace(/^\//, '');
  if (path !== '') {
    if (!/^\d{1,5}$/.test(path)) throw bad(`the database "/${path}" is not a number`);
    db = Number(path);
  }
  // WHATWG URL keeps IPv6 brackets in hostname; ioredis wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const c: RedisConnection = { host, port, db };
  if (url.username !== '') c.username = decodeURIComponent(url.username);
  if (url.password !== '') c.password = decodeURIComponent(url.password);
  if (url.protocol === 'rediss:') c.tls = isIP(host) === 0 ? { servername: host } : {};
  return c;
}
