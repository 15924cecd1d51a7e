// Checks one rendered coopnet overlay (the output of `kubectl kustomize`): every object
// against the Kubernetes 1.27 schemas of the npm package kubernetes-models, with no key
// the schema does not know, and then the rules operators rely on: the restricted
// security context, probes, resources, pinned images, selectors that select, references
// that resolve, settings the binaries know, a drain that fits the grace period, default-
// deny networking and, for production, replicas spread over nodes without in-cluster
// state or secrets.
//
//   node check_manifests.js --modules DIR --settings FILE [--production] RENDERED.yaml
//
// DIR holds node_modules with the packages of package.json; FILE has one line per
// binary: its name, then every COOPNET_* variable its --help lists. Prints each problem
// as `Kind/name: what is wrong` and exits 1 when there is any.
'use strict';

const fs = require('fs');
const path = require('path');
const {createRequire} = require('module');

function parseArguments(argv) {
  const options = {production: false};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--modules') {
      options.modules = argv[++i];
    } else if (argv[i] === '--settings') {
      options.settings = argv[++i];
    } else if (argv[i] === '--production') {
      options.production = true;
    } else {
      options.rendered = argv[i];
    }
  }
  if (!options.modules || !options.settings || !options.rendered) {
    console.error(
        'usage: check_manifests.js --modules DIR --settings FILE [--production] RENDERED');
    process.exit(2);
  }
  return options;
}

const options = parseArguments(process.argv.slice(2));
const requireModule = createRequire(path.join(path.resolve(options.modules), 'package.json'));
const YAML = requireModule('yaml');

// binary name -> Set of the COOPNET_* variables it reads.
const settings =
    new Map(fs.readFileSync(options.settings, 'utf8').split('\n').filter(Boolean).map((line) => {
      const [binary, ...names] = line.trim().split(/\s+/);
      return [binary, new Set(names)];
    }));

const objects = [];
for (const document of YAML.parseAllDocuments(fs.readFileSync(options.rendered, 'utf8'))) {
  if (document.errors.length > 0) {
    console.error(`${options.rendered}: ${document.errors[0].message}`);
    process.exit(1);
  }
  const object = document.toJS();
  if (object) objects.push(object);
}

const problems = [];
const nameOf = (object) => `${object.kind}/${object.metadata?.name}`;
const problem = (object, message) => problems.push(`${nameOf(object)}: ${message}`);

// --- Schemas ------------------------------------------------------------------------

// The schema validators only read the keys their schema names (and every entry of the
// maps it allows, such as labels); a key the validator never read is one Kubernetes
// would drop or refuse. So each object is validated through a proxy that records reads.
function recordingReads(value, at, read) {
  if (value === null || typeof value !== 'object') return value;
  const note = (key) => typeof key === 'string' && read.add(`${at}/${key}`);
  return new Proxy(value, {
    get(target, key) {
      note(key);
      return recordingReads(target[key], `${at}/${String(key)}`, read);
    },
    has(target, key) {
      note(key);
      return key in target;
    },
    getOwnPropertyDescriptor(target, key) {
      note(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

function unreadKeys(value, at, read, found) {
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value)) {
    const keyPath = `${at}/${key}`;
    if (Array.isArray(value) || read.has(keyPath)) {
      unreadKeys(value[key], keyPath, read, found);
    } else {
      found.push(keyPath);  // reported once, with nothing below it
    }
  }
}

const dotted = (keyPath) =>
    keyPath.slice(1).replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.');

// kustomize folds long base64 values of Secrets over lines; the API server decodes them
// ignoring line breaks (Go's encoding/base64), the schema's "byte" format does not.
function withUnfoldedBase64(object) {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
      Object.entries(object.data).map(([key, value]) => [key, String(value).replace(/\s+/g, '')]));
  return {...object, data};
}

function checkSchema(object) {
  let model;
  try {
    // cert-manager's resources (the certificates TLS between the processes uses) have
    // their schemas in a package of their own.
    const models = String(object.apiVersion).endsWith('cert-manager.io/v1') ?
        '@kubernetes-models/cert-manager' :
        'kubernetes-models';
    model = requireModule(`${models}/${object.apiVersion}/${object.kind}`)[object.kind];
  } catch (error) {
    problem(object, `no Kubernetes schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
    return;
  }
  const read = new Set();
  try {
    model.prototype.validate.call(recordingReads(withUnfoldedBase64(object), '', read));
  } catch (error) {
    problem(object, `does not match the schema: ${error.message}`);
  }
  const unknown = [];
  unreadKeys(object, '', read, unknown);
  for (const keyPath of unknown) problem(object, `unknown field ${dotted(keyPath)}`);
}

// --- What the rules look at ----------------------------------------------------------

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
const longRunning = workloads.filter((o) => o.kind !== 'Job');
const podSpecOf = (workload) => workload.spec?.template?.spec ?? {};
const podLabelsOf = (workload) => workload.spec?.template?.metadata?.labels ?? {};
function containersOf(workload) {
  const pod = podSpecOf(workload);
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
}
const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);

// `registry/coopnet:0.1.0` -> {name: 'coopnet', tag: '0.1.0'}; a digest counts as a tag.
function imageParts(image) {
  const [withoutDigest, digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : undefined;
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return {name: repository.slice(slash + 1), tag, digest};
}
const isCoopnet = (container) => imageParts(container.image ?? '').name === 'coopnet';
const coopnetDeployments =
    objects.filter((o) => o.kind === 'Deployment' && containersOf(o).some(isCoopnet));

function selectorMatches(selector, labels) {
  if (!selector) return false;
  const matchLabels = selector.matchLabels ?? {};
  for (const [key, value] of Object.entries(matchLabels)) {
    if (labels[key] !== value) return false;
  }
  for (const {key, operator, values = []} of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (operator === 'In' && !(has && values.includes(labels[key]))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key])) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
function isEmptySelector(selector) {
  const labels = Object.keys(selector?.matchLabels ?? {});
  return labels.length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

function describeSelector(selector) {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ??
                       []).map((e) => `${e.key} ${e.operator} (${(e.values ?? []).join(',')})`);
  return [...labels, ...expressions].join(',');
}

function parseDuration(text) {
  const units = {ms: 0.001, s: 1, m: 60, h: 3600};
  let seconds = 0;
  for (const [, amount, unit] of String(text).matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(amount) * units[unit];
  }
  return seconds;
}

// A container's value of a COOPNET_* variable, from its env or its envFrom ConfigMaps.
function settingOf(container, name) {
  const direct = (container.env ?? []).find((e) => e.name === name);
  if (direct) return direct.value;
  for (const source of container.envFrom ?? []) {
    const map = source.configMapRef && find('ConfigMap', source.configMapRef.name);
    if (map?.data?.[name] !== undefined) return map.data[name];
  }
  return undefined;
}

// --- Rules --------------------------------------------------------------------------

function checkSecurity(workload, pod, container) {
  const own = container.securityContext ?? {};
  const effective = (key) => own[key] ?? pod.securityContext?.[key];
  const where = `container ${container.name}`;
  if (effective('runAsNonRoot') !== true) problem(workload, `${where}: runAsNonRoot must be true`);
  const user = effective('runAsUser');
  if (user === undefined || user === 0) {
    problem(workload, `${where}: runAsUser must name a user other than root`);
  }
  if (isCoopnet(container) && (user !== 65532 || effective('runAsGroup') !== 65532)) {
    problem(workload, `${where}: coopnet runs as user and group 65532, the image's`);
  }
  if (own.allowPrivilegeEscalation !== false) {
    problem(workload, `${where}: allowPrivilegeEscalation must be false`);
  }
  if (own.privileged) problem(workload, `${where}: must not be privileged`);
  if (!(own.capabilities?.drop ?? []).includes('ALL')) {
    problem(workload, `${where}: capabilities must drop ALL`);
  }
  if (own.capabilities?.add?.length) problem(workload, `${where}: must not add capabilities`);
  if (effective('seccompProfile')?.type !== 'RuntimeDefault') {
    problem(workload, `${where}: seccompProfile must be RuntimeDefault`);
  }
  if (own.readOnlyRootFilesystem !== true) {
    problem(workload, `${where}: readOnlyRootFilesystem must be true`);
  }
  const tmp = (container.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
  const volume = tmp && (pod.volumes ?? []).find((v) => v.name === tmp.name);
  if (!volume?.emptyDir) problem(workload, `${where}: /tmp must be an emptyDir volume`);
}

function checkResources(workload, container) {
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[kind]?.[resource] === undefined) {
        problem(workload, `container ${container.name}: resources.${kind}.${resource} is not set`);
      }
    }
  }
}

function checkImage(workload, container) {
  const image = container.image ?? '';
  const {tag, digest} = imageParts(image);
  const where = `container ${container.name}: image ${image}`;
  if (tag === 'latest') {
    problem(workload, `${where} uses :latest`);
  } else if (!tag && !digest) {
    problem(workload, `${where} is not pinned by tag or digest`);
  }
}

const portNamed = (container, name) => (container.ports ?? []).find((p) => p.name === name);

// Whether a pod of `workload` has a container port named or numbered `target`.
function exposes(workload, target) {
  const matches = (port) =>
      typeof target === 'string' ? port.name === target : port.containerPort === target;
  return containersOf(workload).some((c) => (c.ports ?? []).some(matches));
}

// The port and health service a probe asks: the kubelet's gRPC probe, or, where the port
// speaks TLS (which the kubelet's gRPC probe cannot), `coopnet health 127.0.0.1:PORT
// [SERVICE]` run in the container with its certificate (after `env NAME=value ...`).
// Undefined for anything else.
function healthAsked(probe) {
  if (probe.grpc) return {port: probe.grpc.port, service: probe.grpc.service ?? ''};
  const command = [...(probe.exec?.command ?? [])];
  if (command[0] === 'env') {
    command.shift();
    while (/^[A-Z_][A-Z0-9_]*=/.test(command[0] ?? '')) command.shift();
  }
  const address = /^127\.0\.0\.1:(\d+)$/.exec(command[2] ?? '');
  if (command[0] !== 'coopnet' || command[1] !== 'health' || !address || command.length > 4) {
    return undefined;
  }
  return {port: Number(address[1]), service: command[3] ?? ''};
}

function checkProbes(workload, container) {
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const declared = container[probe];
    const where = `container ${container.name}`;
    if (!declared) {
      problem(workload, `${where} has no ${probe}`);
    } else if (isCoopnet(container)) {
      const asked = healthAsked(declared);
      if (asked === undefined) {
        problem(workload, `${where}: ${probe} must be a gRPC health probe or \`coopnet health\``);
      } else if (asked.port !== portNamed(container, 'grpc')?.containerPort) {
        problem(workload, `${where}: ${probe} asks port ${asked.port}, not the grpc port`);
      } else if (probe === 'livenessProbe' && asked.service !== 'liveness') {
        // Readiness follows the database and the peers; liveness must not, or an outage
        // of theirs restarts every pod.
        problem(workload, `${where}: livenessProbe must ask for the "liveness" health service`);
      } else if (probe !== 'livenessProbe' && asked.service !== '') {
        problem(workload, `${where}: ${probe} must ask for the whole process ("")`);
      }
    }
  }
}

function checkMetrics(workload, container) {
  const metrics = portNamed(container, 'metrics');
  const annotations = workload.spec.template.metadata?.annotations ?? {};
  if (!metrics) {
    problem(workload, `container ${container.name} has no port named metrics`);
    return;
  }
  if (annotations['prometheus.io/scrape'] !== 'true' ||
      annotations['prometheus.io/path'] !== '/metrics' ||
      annotations['prometheus.io/port'] !== String(metrics.containerPort)) {
    problem(
        workload,
        `pod annotations prometheus.io/scrape|port|path must say "true", ` +
            `"${metrics.containerPort}", "/metrics"`);
  }
}

function checkDrain(workload, pod, container) {
  const preStop = container.lifecycle?.preStop?.exec?.command ?? [];
  if (preStop[0] !== 'sleep') {
    problem(workload, `container ${container.name}: preStop must sleep while endpoints update`);
    return;
  }
  const pause = parseDuration(`${preStop[1]}s`);
  const drain = parseDuration(settingOf(container, 'COOPNET_DRAIN_TIMEOUT') ?? '20s');
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (grace <= pause + drain) {
    const needed = `preStop ${pause} s + drain ${drain} s`;
    problem(workload, `terminationGracePeriodSeconds ${grace} must exceed ${needed}`);
  }
}

// A coopnet container runs one of the binaries with settings that binary knows: an
// unknown (mistyped) variable would be ignored without a word.
function checkCoopnetCommand(workload, container) {
  const [binary, subcommand] = container.command ?? [];
  const known = settings.get(binary);
  if (!known) {
    problem(workload, `container ${container.name} runs ${binary}, which is not a coopnet binary`);
    return;
  }
  if (workload.kind === 'Job' && subcommand !== 'migrate') {
    problem(workload, `container ${container.name}: a Job runs \`${binary} migrate\``);
  }
  const names = (container.env ?? []).map((e) => e.name);
  for (const source of container.envFrom ?? []) {
    const map = source.configMapRef && find('ConfigMap', source.configMapRef.name);
    names.push(...Object.keys(map?.data ?? {}));
  }
  for (const name of names) {
    if (name.startsWith('COOPNET_') && !known.has(name)) {
      problem(workload, `container ${container.name}: ${binary} has no setting ${name}`);
    }
  }
}

// ConfigMaps must be rendered with the keys asked for; so must Secrets, except in
// production, where they are made outside the manifests.
function checkReference(workload, kind, name, key, optional) {
  if (optional || (kind === 'Secret' && options.production)) return;
  const target = find(kind, name);
  if (!target) {
    problem(workload, `refers to ${kind} ${name}, which is not rendered`);
    return;
  }
  const keys = {...target.data, ...target.stringData};
  if (key !== undefined && !(key in keys)) {
    problem(workload, `refers to key ${key} of ${kind} ${name}, which it does not have`);
  }
}

function checkReferences(workload, pod, container) {
  for (const entry of container.env ?? []) {
    const config = entry.valueFrom?.configMapKeyRef;
    const secret = entry.valueFrom?.secretKeyRef;
    if (config) checkReference(workload, 'ConfigMap', config.name, config.key, config.optional);
    if (secret) checkReference(workload, 'Secret', secret.name, secret.key, secret.optional);
  }
  for (const {configMapRef: map, secretRef: secret} of container.envFrom ?? []) {
    if (map) checkReference(workload, 'ConfigMap', map.name, undefined, map.optional);
    if (secret) checkReference(workload, 'Secret', secret.name, undefined, secret.optional);
  }
}

function checkVolumes(workload, pod) {
  for (const {configMap: map, secret} of pod.volumes ?? []) {
    if (map) checkReference(workload, 'ConfigMap', map.name, undefined, map.optional);
    if (secret) checkReference(workload, 'Secret', secret.secretName, undefined, secret.optional);
  }
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
    problem(workload, 'must not share the host\'s namespaces');
  }
}

function checkWorkload(workload) {
  const pod = podSpecOf(workload);
  const selector = workload.spec.selector;
  if (workload.kind !== 'Job' && !selectorMatches(selector, podLabelsOf(workload))) {
    problem(workload, `spec.selector ${describeSelector(selector ?? {})} does not match its pods`);
  }
  checkVolumes(workload, pod);
  for (const container of containersOf(workload)) {
    checkSecurity(workload, pod, container);
    checkResources(workload, container);
    checkImage(workload, container);
    checkReferences(workload, pod, container);
    if (workload.kind !== 'Job') checkProbes(workload, container);
    if (!isCoopnet(container)) continue;
    checkCoopnetCommand(workload, container);
    if (workload.kind === 'Deployment') {
      checkMetrics(workload, container);
      checkDrain(workload, pod, container);
    }
  }
}

function checkService(service) {
  const selector = service.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) {
    problem(service, 'has no selector');
    return;
  }
  const selected =
      workloads.filter((w) => selectorMatches({matchLabels: selector}, podLabelsOf(w)));
  for (const job of selected.filter((w) => w.kind === 'Job')) {
    problem(service, `selector also selects the pods of ${nameOf(job)}`);
  }
  const pods = selected.filter((w) => w.kind !== 'Job');
  if (pods.length === 0) {
    problem(service, `selector ${describeSelector({matchLabels: selector})} matches no pods`);
    return;
  }
  for (const port of service.spec.ports ?? []) {
    const target = port.targetPort ?? port.port;
    if (!pods.some((w) => exposes(w, target))) {
      problem(service, `port ${port.name ?? port.port} targets ${target}, which no pod exposes`);
    }
  }
}

// Selects every pod, for both directions, and allows nothing.
function isDefaultDeny(policy) {
  const {podSelector, policyTypes = [], ingress = [], egress = []} = policy.spec;
  const bothWays = policyTypes.includes('Ingress') && policyTypes.includes('Egress');
  return isEmptySelector(podSelector) && bothWays && ingress.length + egress.length === 0;
}

function checkNetworkPolicies() {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  if (!policies.some(isDefaultDeny)) {
    problems.push('no default-deny NetworkPolicy (empty podSelector, both ways, no rules)');
  }
  const podsMatching = (selector) =>
      workloads.filter((w) => selectorMatches(selector, podLabelsOf(w)));
  for (const policy of policies) {
    const selected = podsMatching(policy.spec.podSelector);
    if (selected.length === 0) {
      problem(policy, `podSelector ${describeSelector(policy.spec.podSelector)} matches no pods`);
    }
    const rules = [
      ...(policy.spec.ingress ?? [])
          .map((rule) => ({peers: rule.from ?? [], ports: rule.ports ?? [], ownPods: selected})),
      ...(policy.spec.egress ?? [])
          .map((rule) => ({peers: rule.to ?? [], ports: rule.ports ?? [], ownPods: null})),
    ];
    for (const {peers, ports, ownPods} of rules) {
      const local = peers.filter((peer) => peer.podSelector && !peer.namespaceSelector);
      for (const peer of local) {
        if (podsMatching(peer.podSelector).length === 0) {
          problem(policy, `peer podSelector ${describeSelector(peer.podSelector)} matches no pods`);
        }
      }
      // A named port is looked up on the receiving pods: this policy's for ingress,
      // the peers' for egress (when they are pods of this namespace).
      const receiving = ownPods ?? local.flatMap((peer) => podsMatching(peer.podSelector));
      for (const {port} of ports) {
        if (typeof port !== 'string' || receiving.length === 0) continue;
        if (!receiving.some((w) => containersOf(w).some((c) => portNamed(c, port)))) {
          problem(policy, `port ${port} is not a named port of the pods it reaches`);
        }
      }
    }
  }
}

function checkCoopnetDeployment(deployment) {
  const labels = podLabelsOf(deployment);
  const selecting = (kind) =>
      objects.filter((o) => o.kind === kind && selectorMatches(o.spec?.selector, labels));
  if (selecting('PodDisruptionBudget').length === 0) {
    problem(deployment, 'has no PodDisruptionBudget');
  }
  const scalesThis = ({kind, name} = {}) =>
      kind === 'Deployment' && name === deployment.metadata.name;
  const autoscalers = objects.filter(
      (o) => o.kind === 'HorizontalPodAutoscaler' && scalesThis(o.spec.scaleTargetRef));
  if (autoscalers.length === 0) problem(deployment, 'has no HorizontalPodAutoscaler');
  if (autoscalers.length > 0 && deployment.spec.replicas !== undefined) {
    problem(deployment, 'sets spec.replicas, which every apply would reset under its autoscaler');
  }
  for (const autoscaler of autoscalers) {
    const minimum = autoscaler.spec.minReplicas ?? 1;
    if (options.production && minimum < 2) {
      problem(autoscaler, `minReplicas ${minimum} is fewer than the 2 production needs`);
    }
  }
  if (options.production && !(podSpecOf(deployment).topologySpreadConstraints ?? []).length) {
    problem(deployment, 'has no topologySpreadConstraints: its replicas could share a node');
  }
  const [binary, subcommand] = containersOf(deployment).find(isCoopnet).command ?? [];
  if (subcommand !== 'serve') return;  // the gateway keeps no database
  const isHeadless = (o) => o.kind === 'Service' && o.spec.clusterIP === 'None' &&
      selectorMatches({matchLabels: o.spec.selector}, labels);
  if (!objects.some(isHeadless)) {
    problem(deployment, 'has no headless Service (clients balance over its pods with dns:///)');
  }
  const migrates = (c) => isCoopnet(c) && c.command?.[0] === binary && c.command?.[1] === 'migrate';
  if (!workloads.some((w) => w.kind === 'Job' && containersOf(w).some(migrates))) {
    problem(deployment, `has no Job running \`${binary} migrate\``);
  }
}

function checkProduction() {
  for (const secret of objects.filter((o) => o.kind === 'Secret')) {
    problem(secret, 'production renders no Secret: they are made outside the manifests');
  }
  for (const set of objects.filter((o) => o.kind === 'StatefulSet')) {
    problem(set, 'production keeps no state in the cluster (PostgreSQL and Redis are external)');
  }
  // Calls between the processes cross the cluster's network: mutual TLS, every one.
  const tls = ['COOPNET_TLS_CERT_FILE', 'COOPNET_TLS_KEY_FILE', 'COOPNET_TLS_CA_FILE'];
  for (const deployment of coopnetDeployments) {
    for (const container of containersOf(deployment).filter(isCoopnet)) {
      const named = new Set((container.env ?? []).map((entry) => entry.name));
      const missing = tls.filter((name) => !named.has(name));
      if (missing.length > 0) {
        problem(deployment, `container ${container.name} has no ${missing.join(', ')}: ` +
                                'production speaks mutual TLS between the processes');
      }
    }
  }
}

function checkNamespace() {
  const restricted = (o) => o.kind === 'Namespace' &&
      o.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted';
  if (!objects.some(restricted)) {
    problems.push('no Namespace enforcing the restricted Pod Security Standard');
  }
}

for (const object of objects) checkSchema(object);
for (const workload of workloads) checkWorkload(workload);
for (const service of objects.filter((o) => o.kind === 'Service')) checkService(service);
for (const budget of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
  if (!longRunning.some((w) => selectorMatches(budget.spec.selector, podLabelsOf(w)))) {
    problem(budget, `selector ${describeSelector(budget.spec.selector ?? {})} matches no pods`);
  }
}
for (const autoscaler of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
  const target = autoscaler.spec.scaleTargetRef ?? {};
  if (!find(target.kind, target.name)) {
    problem(autoscaler, `scales ${target.kind}/${target.name}, which is not rendered`);
  }
}
for (const deployment of coopnetDeployments) checkCoopnetDeployment(deployment);
checkNetworkPolicies();
checkNamespace();
if (options.production) checkProduction();
if (coopnetDeployments.length === 0) problems.push('renders no coopnet Deployment');

if (problems.length > 0) {
  for (const line of problems) console.log(line);
  console.log(`${problems.length} problems in ${objects.length} objects`);
  process.exit(1);
}
console.log(`${objects.length} objects valid`);
