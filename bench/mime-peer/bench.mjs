// Peer benchmark: parses the same files with postal-mime (full parse: headers, structure,
// every part decoded) and prints one JSON line with bytes, messages and elapsed seconds.
// Usage: node bench.mjs <file-list.txt> <mbox> <min-seconds>
import { readFileSync } from 'node:fs';
import PostalMime from 'postal-mime';

const [listPath, mboxPath, minSecondsArg] = process.argv.slice(2);
const minSeconds = Number(minSecondsArg ?? '3');

function splitMbox(buf) {
  const messages = [];
  const marker = Buffer.from('\nFrom ');
  let start = buf.indexOf('From ') === 0 ? 0 : -1;
  while (start >= 0) {
    const lineEnd = buf.indexOf(10, start);
    const next = buf.indexOf(marker, lineEnd);
    const end = next < 0 ? buf.length : next;
    messages.push(buf.subarray(lineEnd + 1, end));
    start = next < 0 ? -1 : next + 1;
  }
  return messages;
}

async function run(name, messages) {
  const bytes = messages.reduce((n, m) => n + m.length, 0);
  for (const m of messages.slice(0, Math.min(messages.length, 200))) {
    await PostalMime.parse(m);
  }
  let passes = 0;
  let failures = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const m of messages) {
      try {
        await PostalMime.parse(m);
      } catch {
        failures++;
      }
    }
    passes++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (elapsed < minSeconds);
  return { name, bytes: bytes * passes, messages: messages.length * passes, seconds: elapsed, failures };
}

const files = readFileSync(listPath, 'utf8').split('\n').filter(Boolean).map((f) => readFileSync(f));
const mbox = splitMbox(readFileSync(mboxPath));
const results = [await run('corpus', files), await run('mbox', mbox)];
console.log(JSON.stringify(results));
