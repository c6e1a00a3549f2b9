// Interop peer: a stock gRPC client (@grpc/grpc-js + @grpc/proto-loader) calling the MailMesh
// transport. Usage: node client.js <host:port> <scenario>
// Environment: MAILMESH_NODE_MODULES (the node_modules holding the packages),
// MAILMESH_PROTO_ROOT (protos/), MAILMESH_TEST_PROTO_ROOT (the test service's proto folder).
// Prints one JSON line describing what it observed; exits 1 on an unexpected failure.
'use strict';

const path = require('path');
const modules = process.env.MAILMESH_NODE_MODULES;
const grpc = require(path.join(modules, '@grpc/grpc-js'));
const protoLoader = require(path.join(modules, '@grpc/proto-loader'));
const descriptor = require(path.join(modules, 'protobufjs/ext/descriptor'));

const [address, scenario, argument] = process.argv.slice(2);
const loadOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

function load(file, root) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { ...loadOptions, includeDirs: [root] }));
}

function echoClient(channelOptions = {}) {
  const pkg = load('echo.proto', process.env.MAILMESH_TEST_PROTO_ROOT);
  return new pkg.mailmesh.testing.v1.Echo(address, grpc.credentials.createInsecure(), channelOptions);
}

function done(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

function fail(error) {
  process.stderr.write(`interop scenario ${scenario} failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
}

function unary(client, method, request, options = {}) {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(options.metadata || {})) metadata.add(k, v);
    let headers = null;
    const call = client[method](request, metadata, options.deadline ? { deadline: options.deadline } : {}, (error, reply) => {
      resolve({ error, reply, headers });
    });
    call.on('metadata', (m) => { headers = m.getMap(); });
  });
}

function reflect(version, requests) {
  const pkg = load(`grpc/reflection/${version}/reflection.proto`, process.env.MAILMESH_PROTO_ROOT);
  const client = new pkg.grpc.reflection[version].ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const answers = [];
    const call = client.ServerReflectionInfo();
    call.on('data', (answer) => answers.push(answer));
    call.on('error', reject);
    call.on('end', () => resolve(answers));
    for (const request of requests) call.write(request);
    call.end();
  });
}

const scenarios = {
  async unary() {
    const { error, reply, headers } = await unary(echoClient(), 'Unary', { text: 'from node' },
      { metadata: { 'x-echo-node': 'hello', 'x-echo-node-bin': Buffer.from([1, 2, 3]) } });
    if (error) throw error;
    return { text: reply.text, metadata: reply.metadata, replyHeader: headers && headers['x-reply'] };
  },
  async serverStream() {
    const client = echoClient();
    const replies = [];
    const status = await new Promise((resolve, reject) => {
      const call = client.ServerStream({ text: 'stream', count: 5 });
      call.on('data', (r) => replies.push(r.index));
      call.on('error', reject);
      call.on('status', resolve);
    });
    return { indices: replies, code: status.code };
  },
  async clientStream() {
    const client = echoClient();
    const reply = await new Promise((resolve, reject) => {
      const call = client.ClientStream((error, r) => (error ? reject(error) : resolve(r)));
      for (const text of ['x', 'y', 'z']) call.write({ text });
      call.end();
    });
    return { text: reply.text, count: reply.index };
  },
  async bidi() {
    const client = echoClient();
    const texts = await new Promise((resolve, reject) => {
      const seen = [];
      const call = client.Bidi();
      call.on('data', (r) => {
        seen.push(r.text);
        if (seen.length < 3) call.write({ text: `b${seen.length}` }); else call.end();
      });
      call.on('error', reject);
      call.on('end', () => resolve(seen));
      call.write({ text: 'b0' });
    });
    return { texts };
  },
  async error() {
    const { error } = await unary(echoClient(), 'Unary', { fail_with_status: 5, fail_message: 'mailbox "ü%" not found' });
    return { code: error.code, details: error.details };
  },
  async invalidArgument() {
    const { error } = await unary(echoClient(), 'Unary', { invalid_field: 'mailbox.address' });
    return { code: error.code, details: error.details };
  },
  async unimplemented() {
    const { error } = await unary(echoClient(), 'Unmapped', { text: 'nobody home' });
    return { code: error.code, details: error.details };
  },
  async deadline() {
    // Warm the connection first so that the deadline is spent on the server, not on connecting.
    const client = echoClient();
    const warm = await unary(client, 'Unary', { text: 'warm-up' });
    if (warm.error) throw warm.error;
    const { error } = await unary(client, 'Unary', { text: 'node-deadline', wait_for_cancellation: true },
      { deadline: new Date(Date.now() + 1500) });
    return { code: error.code };
  },
  async compression() {
    // Requests are gzip-compressed by grpc-js (channel option); the handler is asked for the
    // response compression given as the argument ('' leaves the server's default).
    const client = echoClient({ 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
    const text = 'n'.repeat(5000);
    const { error, reply } = await unary(client, 'Unary',
      { text, response_padding: 65536, response_compression: argument || '' },
      { metadata: { 'x-probe': `node-compression-${argument || 'default'}` } });
    if (error) throw error;
    const padding = Buffer.from(reply.padding);
    return { textIntact: reply.text === text, paddingLength: padding.length, paddingZero: padding.every((b) => b === 0) };
  },
  async reflection() {
    const results = {};
    for (const version of ['v1', 'v1alpha']) {
      const answers = await reflect(version, [
        { list_services: '' },
        { file_containing_symbol: 'mailmesh.testing.v1.Echo' },
        { file_containing_symbol: 'no.such.Symbol' },
      ]);
      const files = answers[1].file_descriptor_response.file_descriptor_proto
        .map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
      results[version] = {
        services: answers[0].list_services_response.service.map((s) => s.name),
        file: files[0].name,
        fileServices: files[0].service.map((s) => s.name),
        notFound: answers[2].error_response.error_code,
      };
    }
    return results;
  },
  async health() {
    const pkg = load('grpc/health/v1/health.proto', process.env.MAILMESH_PROTO_ROOT);
    const client = new pkg.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
    const { error, reply } = await unary(client, 'Check', { service: '' });
    if (error) throw error;
    return { status: reply.status };
  },
};

const run = scenarios[scenario];
if (!run) fail(`unknown scenario '${scenario}'; known: ${Object.keys(scenarios).join(', ')}`);
run().then(done, fail);
