// The benchmark's @grpc/grpc-js client: unary Echo calls with a fixed number in flight, against
// each target path in turn (warm-up first, then halves in the order A B B A), one channel per target.
// Usage: node grpcjs-client.js <host:port> <seconds> <concurrency> <payload bytes> <path>...
// Environment: MAILMESH_NODE_MODULES (node_modules with @grpc/grpc-js and @grpc/proto-loader),
// MAILMESH_BENCH_PROTO (bench.proto). Prints one JSON line per measured target:
// {"path", "calls", "seconds", "p50", "p99"} (latencies in ms).
'use strict';

const path = require('path');
const modules = process.env.MAILMESH_NODE_MODULES;
const grpc = require(path.join(modules, '@grpc/grpc-js'));
const protoLoader = require(path.join(modules, '@grpc/proto-loader'));

const [address, secondsText, concurrencyText, payloadText, ...paths] = process.argv.slice(2);
const seconds = Number(secondsText);
const concurrency = Number(concurrencyText);
if (!address || !(seconds > 0) || !(concurrency > 0) || !(Number(payloadText) >= 0) || paths.length === 0) {
  process.stderr.write('usage: node grpcjs-client.js <host:port> <seconds> <concurrency> <payload bytes> <path>...\n');
  process.exit(2);
}

const definition = protoLoader.loadSync(process.env.MAILMESH_BENCH_PROTO, { keepCase: true });
const echo = definition['mailmesh.bench.v1.Bench'].Echo;
const payload = Buffer.alloc(Number(payloadText));
for (let i = 0, x = 42; i < payload.length; i++) {
  x = (x * 1103515245 + 12345) & 0x7fffffff;
  payload[i] = x & 0xff;
}
const request = { data: payload };

function call(client, method) {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(method, echo.requestSerialize, echo.responseDeserialize, request, (error, reply) => {
      if (error) reject(error);
      else if (reply.data.length !== payload.length) reject(new Error(`echo returned ${reply.data.length} bytes, sent ${payload.length}`));
      else resolve();
    });
  });
}

async function run(client, method, duration, latencies = []) {
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(duration * 1e9));
  async function worker() {
    while (process.hrtime.bigint() < end) {
      const t0 = process.hrtime.bigint();
      await call(client, method);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main() {
  const clients = paths.map(() => new grpc.Client(address, grpc.credentials.createInsecure()));
  for (let i = 0; i < paths.length; i++) await run(clients[i], paths[i], Math.min(2, seconds));

  // Each target is measured in two halves, in the order A B B A, so that a change of machine
  // load during the run weighs on every target alike.
  const measured = paths.map((p) => ({ path: p, latencies: [], seconds: 0 }));
  const order = [...measured.keys(), ...[...measured.keys()].reverse()];
  for (const i of order) measured[i].seconds += await run(clients[i], paths[i], seconds / 2, measured[i].latencies);
  for (const m of measured) {
    m.latencies.sort((a, b) => a - b);
    const result = {
      path: m.path,
      calls: m.latencies.length,
      seconds: m.seconds,
      p50: m.latencies[Math.floor(m.latencies.length / 2)],
      p99: m.latencies[Math.floor(m.latencies.length * 0.99)],
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  }
  clients.forEach((c) => c.close());
}

main().then(() => process.exit(0), (error) => {
  process.stderr.write(`grpc-js benchmark client failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
