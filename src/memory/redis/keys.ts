import type { Redis } from 'ioredis';

/** The scripts of scripts.ts, registered with defineCommand (EVALSHA, falling back to EVAL). */
export interface ScriptedRedis extends Redis {
  fbPut(...args: (string | number)[]): Promise<number>;
  fbDelete(...args: string[]): Promise<string | null>;
  fbAppend(...args: (string | number)[]): Promise<number>;
  fbStartRun(...args: (string | number)[]): Promise<number>;
  fbFinishRun(...args: (string | number)[]): Promise<number>;
}

/** `%`, `{`, `}` escaped: a namespace can then sit inside a {hash tag} without breaking it. */
export function tag(id: string): string {
  return '{' + id.replace(/[%{}]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) + '}';
}
