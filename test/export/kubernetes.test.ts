// The Kubernetes YAML validated offline against the official OpenAPI schemas (the
// kubernetes-models package ships them compiled), and read back as kubectl would (YAML 1.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { renderKubernetes } from '../../src/export/kubernetes.js';
import { execCommand } from '../../src/platform/exec-command.js';
import { DozenError } from '../../src/errors.js';
import { hostileConfig, hostileFixture } from './fixtures.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Validates one object against the official schema of its kind; throws with the schema's words. */
function validate(doc: Obj): void {
  const key = `${doc.apiVersion}/${doc.kind}`;
  switch (key) {
    case 'apps/v1/Deployment':
      return new Deployment(doc as never).validate();
    case 'batch/v1/Job':
      return new Job(doc as never).validate();
    case 'v1/Secret':
      return new Secret(doc as never).validate();
    case 'v1/Service':
      return new Service(doc as never).validate();
    default:
      throw new Error(`unexpected kind ${key}`);
  }
}

function render(): { docs: Map<string, Obj[]>; fixture: ReturnType<typeof hostileFixture> } {
  const fixture = hostileFixture();
  const docs = new Map<string, Obj[]>();
  for (const file of renderKubernetes(fixture.instances, fixture.ctx)) {
    const parsed = parseAllDocuments(file.content, { version: '1.1' });
    if (!Array.isArray(parsed)) throw new Error(`${file.path}: not a YAML stream`);
    for (const d of parsed) assert.deepEqual(d.errors, [], file.path);
    docs.set(file.path, parsed.map((d) => d.toJS() as Obj));
  }
  return { docs, fixture };
}

test('kubernetes: every object validates against the official schemas', () => {
  const { docs } = render();
  const kinds: string[] = [];
  for (const [path, list] of docs) {
    for (const doc of list) {
      assert.doesNotThrow(() => validate(doc), `${path}: ${doc.kind} ${doc.metadata?.name}`);
      kinds.push(doc.kind);
    }
  }
  assert.deepEqual(kinds.sort(), ['Deployment', 'Deployment', 'Deployment', 'Job', 'Secret', 'Service']);
});

test('kubernetes: the validator is real (a broken object fails it)', () => {
  const { docs } = render();
  const deployment = structuredClone(docs.get('hostile-app.yaml')?.[0]);
  assert.ok(deployment);
  deployment.spec.replicas = 'two';
  assert.throws(() => validate(deployment), /replicas/);
  delete deployment.spec.replicas;
  delete deployment.spec.template.spec.containers[0].name;
  assert.throws(() => validate(deployment), /name/);
});

test('kubernetes: the Secret holds exactly the config; Deployments, Service and Job as documented', () => {
  const { docs, fixture } = render();
  const { ctx, instances } = fixture;
  const [secret] = docs.get('hostile-app-secret.yaml') ?? [];
  assert.deepEqual(secret?.stringData, hostileConfig());

  const deployments = (docs.get('hostile-app.yaml') ?? []).filter((d) => d.kind === 'Deployment');
  for (const d of deployments) {
    const type = d.metadata.labels['process-type'] as string;
    const specs = instances.filter((s) => s.type === type);
    const first = specs[0];
    assert.ok(first, type);
    assert.equal(d.spec.replicas, specs.length);
    const pod = d.spec.template.spec;
    assert.equal(pod.terminationGracePeriodSeconds, ctx.timeoutSec);
    const [c] = pod.containers;
    assert.equal(c.image, ctx.image);
    // Kubernetes turns `$$` into `$` (and would expand `$(VAR)`): undoing that gives the command.
    assert.deepEqual([c.command[0], c.command[1], c.command[2].replace(/\$\$/g, '$')], ['sh', '-c', execCommand(first.command)]);
    assert.ok(!/\$(?!\$)/.test(c.command[2].replace(/\$\$/g, '')), 'every $ doubled');
    assert.deepEqual(c.envFrom, [{ secretRef: { name: secret?.metadata.name } }]);
    assert.deepEqual(c.env[0], { name: 'PORT', value: String(first.port) });
    assert.equal(Boolean(c.readinessProbe), type === 'web');
    if (type === 'web') assert.deepEqual(c.ports, [{ name: 'http', containerPort: first.port, protocol: 'TCP' }]);
  }
  const service = (docs.get('hostile-app.yaml') ?? []).find((d) => d.kind === 'Service');
  assert.deepEqual(service?.spec.selector, { app: ctx.app, 'process-type': 'web' });
  const [job] = docs.get('hostile-app-release.yaml') ?? [];
  assert.equal(job?.spec.template.spec.restartPolicy, 'Never');
  assert.equal(job?.spec.template.spec.containers[0].command[2].replace(/\$\$/g, '$'), execCommand(ctx.releasePhase?.command ?? ''));
});

test('kubernetes: no --image is a clear usage error', () => {
  const { instances, ctx } = hostileFixture({ image: undefined });
  assert.throws(
    () => renderKubernetes(instances, ctx),
    (err: unknown) => err instanceof DozenError && err.code === 'usage' && err.message.includes('--image'),
  );
});
