// A gRPC client nobody at coopnet wrote — Node's @grpc/grpc-js with @grpc/proto-loader
// reading coopnet's .proto files — driving the gateway as an integrator's system would.
//
//   node grpc_client.js GATEWAY_ADDRESS ADMIN_KEY PROTO_DIR GOOGLEAPIS_DIR
'use strict';

const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const [address, adminKey, protoDir, googleapisDir] = process.argv.slice(2);
const includeDirs = [protoDir, googleapisDir];

const definition = protoLoader.loadSync(
    ['coopnet/organisations/v1/organisations.proto', 'grpc/health/v1/health.proto'],
    {includeDirs, keepCase: false, longs: String, enums: String, defaults: false, oneofs: true});
const api = grpc.loadPackageDefinition(definition);
const Organisations = api.coopnet.organisations.v1.OrganisationService;
const Health = api.grpc.health.v1.Health;

// google.rpc.Status and its details, to read what the service says went wrong.
const statusRoot = new protobuf.Root();
statusRoot.resolvePath = (_, target) => {
  for (const dir of includeDirs) {
    const candidate = require('node:path').join(dir, target);
    if (require('node:fs').existsSync(candidate)) return candidate;
  }
  return target;
};
statusRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const RpcStatus = statusRoot.lookupType('google.rpc.Status');

function credentials(key) {
  const metadata = new grpc.Metadata();
  if (key) metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

function unary(client, method, request, key, options = {}) {
  return new Promise((resolve, reject) => {
    client[method](request, credentials(key), options, (error, response) =>
      error ? reject(error) : resolve(response));
  });
}

function details(error) {
  const [bytes] = error.metadata.get('grpc-status-details-bin');
  assert.ok(bytes, `no google.rpc.Status details on ${error.code} ${error.details}`);
  const status = RpcStatus.decode(bytes);
  return status.details.map((any) => {
    const type = statusRoot.lookupType(any.type_url.split('/').pop());
    return {type: type.fullName.slice(1), value: type.decode(any.value)};
  });
}

async function expectError(promise, code, what) {
  try {
    await promise;
  } catch (error) {
    assert.equal(error.code, code, `${what}: ${error.code} ${error.details}`);
    return error;
  }
  assert.fail(`${what}: the call succeeded`);
}

async function main() {
  const channel = new Organisations(address, grpc.credentials.createInsecure());
  const health = new Health(address, grpc.credentials.createInsecure());

  console.log('health: the gateway is SERVING');
  const serving = await unary(health, 'Check', {service: ''});
  assert.equal(serving.status, 'SERVING');

  console.log('the watch stream is open before the change it must carry');
  const watch = channel.WatchOrganisations({}, credentials(adminKey));
  const changes = [];
  watch.on('data', (change) => changes.push(change));
  watch.on('error', () => {});

  console.log('create with the administrator key: enums by name, maps, UTF-8 round-trip');
  const created = await unary(channel, 'CreateOrganisation', {
    organisation: {
      displayName: 'Region Örebro län',
      kind: 'REGIONAL_AUTHORITY',
      country: 'SE',
      nutsRegion: 'SE124',
      description: {translations: {sv: 'Internationell samverkan inom kultur'}, defaultLanguage: 'sv'},
      workingLanguages: ['sv', 'en'],
    },
    requestId: `interop-${process.pid}`,
  }, adminKey);
  assert.match(created.name, /^organisations\/[0-9a-z]+$/);
  assert.equal(created.kind, 'REGIONAL_AUTHORITY');

  console.log('read it back without a key: public data is open to anonymous callers');
  const read = await unary(channel, 'GetOrganisation', {name: created.name});
  assert.equal(read.displayName, 'Region Örebro län');
  assert.equal(read.description.translations.sv, 'Internationell samverkan inom kultur');

  console.log('a retry with the same request_id returns the first result');
  const retried = await unary(channel, 'CreateOrganisation', {
    organisation: {displayName: 'Region Örebro län', kind: 'REGIONAL_AUTHORITY', country: 'SE',
                   nutsRegion: 'SE124',
                   description: {translations: {sv: 'Internationell samverkan inom kultur'},
                                 defaultLanguage: 'sv'},
                   workingLanguages: ['sv', 'en']},
    requestId: `interop-${process.pid}`,
  }, adminKey);
  assert.equal(retried.name, created.name);

  console.log('bad input: INVALID_ARGUMENT with a BadRequest naming the field');
  const invalid = await expectError(
      unary(channel, 'CreateOrganisation',
            {organisation: {displayName: 'X', kind: 'NGO', country: 'Sweden'}}, adminKey),
      grpc.status.INVALID_ARGUMENT, 'a country that is not ISO 3166');
  const badRequest = details(invalid).find((d) => d.type === 'google.rpc.BadRequest');
  assert.ok(badRequest, 'no BadRequest detail');
  assert.equal(badRequest.value.fieldViolations[0].field, 'organisation.country');

  console.log('no key or a forged key: UNAUTHENTICATED; anonymous writes: refused');
  await expectError(unary(channel, 'CreateOrganisation',
                          {organisation: {displayName: 'X', kind: 'NGO', country: 'SE'}},
                          'cnk_forged_0123456789abcdef0123456789abcdef'),
                    grpc.status.UNAUTHENTICATED, 'a forged key');
  const anonymous = await expectError(
      unary(channel, 'CreateOrganisation',
            {organisation: {displayName: 'X', kind: 'NGO', country: 'SE'}}),
      grpc.status.UNAUTHENTICATED, 'an anonymous write');
  assert.match(anonymous.details, /key/i);

  console.log('a deadline already spent: DEADLINE_EXCEEDED');
  await expectError(unary(channel, 'ListOrganisations', {}, adminKey, {deadline: Date.now() - 1}),
                    grpc.status.DEADLINE_EXCEEDED, 'a spent deadline');

  console.log('an unknown method: UNIMPLEMENTED');
  const Unknown = grpc.makeGenericClientConstructor({
    Nothing: {path: '/coopnet.organisations.v1.OrganisationService/Nothing',
              requestStream: false, responseStream: false,
              requestSerialize: (x) => x, requestDeserialize: (x) => x,
              responseSerialize: (x) => x, responseDeserialize: (x) => x},
  }, 'Unknown');
  const unknown = new Unknown(address, grpc.credentials.createInsecure());
  await expectError(unary(unknown, 'Nothing', Buffer.alloc(0), adminKey),
                    grpc.status.UNIMPLEMENTED, 'an unknown method');

  console.log('the watch stream carried the new organisation');
  // A watch without a cursor starts where the stream ends once it has looked: should the
  // creation have reached the stream before that, each further second changes the
  // organisation again, and any change of it counts.
  const deadline = Date.now() + 20000;
  let nextChange = Date.now() + 1000;
  for (let n = 1; !changes.some((c) => JSON.stringify(c).includes(created.name)); ++n) {
    assert.ok(Date.now() < deadline, `no change for ${created.name} in ${changes.length} changes`);
    if (Date.now() >= nextChange) {
      await unary(channel, 'UpdateOrganisation', {
        organisation: {name: created.name,
                       description: {translations: {sv: `Internationell samverkan (${n})`},
                                     defaultLanguage: 'sv'}},
        updateMask: {paths: ['description']},
      }, adminKey);
      nextChange = Date.now() + 1000;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  watch.cancel();
  console.log('node interop: passed');
}

main().then(() => process.exit(0), (error) => {
  console.error(`FAIL: ${error.message}`);
  process.exit(1);
});
