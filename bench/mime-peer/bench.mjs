// Peer benchmark: parses the same files with postal-mime (full parse: headers, structure,
// every part decoded) and prints one JSON line with bytes, messages, passes, elapsed seconds and
// the process CPU seconds (user + system, process.cpuUsage) spent in the timed loop.
// Usage: node bench.mjs <file-list.txt> <mbox> <min-seconds> [sets: corpus,mbox]
import { readFileSync } from 'node:fs';
import PostalMime from 'postal-mime';

const [listPath, mboxPath, minSecondsArg, setsArg] = process.argv.slice(2);
const sets = (setsArg ?? 'corpus,mbox').split(',');
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

// `pass` returns the messages of one pass. For the mbox it splits the mbox at its From_ lines on
// every pass, inside the timed loop, because MailMesh's mbox run includes its mbox reader too.
async function run(name, pass) {
  const warm = pass();
  const bytes = warm.reduce((n, m) => n + m.length, 0);
  for (const m of warm.slice(0, Math.min(warm.length, 200))) {
    await PostalMime.parse(m);
  }
  let passes = 0;
  let failures = 0;
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    const messages = pass();
    for (const m of messages) {
      try {
        await PostalMime.parse(m);
      } catch {
        failures++;
      }
    }
    count += messages.length;
    passes++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (elapsed < minSeconds);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { name, bytes: bytes * passes, messages: count, passes, seconds: elapsed, cpuSeconds, failures };
}

const results = [];
if (sets.includes('corpus')) {
  const files = readFileSync(listPath, 'utf8').split('\n').filter(Boolean).map((f) => readFileSync(f));
  results.push(await run('corpus', () => files));
}
if (sets.includes('mbox')) {
  const mbox = readFileSync(mboxPath);
  results.push(await run('mbox', () => splitMbox(mbox)));
}
console.log(JSON.stringify(results));
