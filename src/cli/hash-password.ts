import { hashPassword } from '../http/admin/passwords.js';

/**
 * `npm run admin:hash-password`: reads a password from stdin and prints the ADMIN_PASSWORD_HASH value.
 * On a terminal the typing is not echoed; piped input (`printf '%s' "$PW" | npm run …`) is read to the end, so the
 * password never has to appear on a command line or in shell history.
 */
async function readFromTerminal(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          cleanup();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          process.stderr.write('\n');
          reject(new Error('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

async function readFromPipe(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // A trailing newline from `echo` is not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await readFromTerminal('New admin password: ');
    const again = await readFromTerminal('Repeat it: ');
    if (again !== password) throw new Error('The two passwords differ.');
  } else {
    password = await readFromPipe();
  }
  if (password.length < 12) throw new Error('Use at least 12 characters.');
  const hash = await hashPassword(password);
  process.stdout.write(`${hash}\n`);
  process.stderr.write('Set ADMIN_PASSWORD_HASH to the line above (quote it in .env: it contains $) and restart the connector.\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`admin:hash-password: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
