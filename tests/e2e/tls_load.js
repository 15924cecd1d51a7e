// Calls the gateway over TLS with Node's @grpc/grpc-js, on one channel, until told to
// stop: the load a certificate rotation must not interrupt.
//
//   node tls_load.js GATEWAY_ADDRESS CA_FILE PROTO_DIR GOOGLEAPIS_DIR STOP_FILE
//
// Asks GetOrganisation for the organisation named in COOPNET_ORGANISATION, one call after
// another, until STOP_FILE exists; prints `answered=N failed=M` and the first failure, and
// exits 1 when any call failed or none was answered.
'use strict';

const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [address, caFile, protoDir, googleapisDir, stopFile] = process.argv.slice(2);
const definition = protoLoader.loadSync(['coopnet/organisations/v1/organisations.proto'],
                                        {includeDirs: [protoDir, googleapisDir]});
const Organisations =
    grpc.loadPackageDefinition(definition).coopnet.organisations.v1.OrganisationService;
// The gateway's certificate names it (and 127.0.0.1); grpc-js checks that against the CA.
const client = new Organisations(
    address, grpc.credentials.createSsl(fs.readFileSync(caFile)),
    {'grpc.ssl_target_name_override': 'gateway', 'grpc.default_authority': 'gateway'});

let answered = 0;
let failed = 0;
let firstFailure = '';

function call() {
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + 5000);
    client.GetOrganisation({name: process.env.COOPNET_ORGANISATION}, {deadline}, (error) => {
      if (error) {
        failed++;
        if (!firstFailure) firstFailure = `${error.code} ${error.details}`;
      } else {
        answered++;
      }
      resolve();
    });
  });
}

(async () => {
  while (!fs.existsSync(stopFile)) await call();
  client.close();
  console.log(`answered=${answered} failed=${failed}${firstFailure ? ' first: ' + firstFailure : ''}`);
  process.exit(failed === 0 && answered > 0 ? 0 : 1);
})();
