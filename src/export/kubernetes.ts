// Kubernetes: one Deployment per process type (replicas = the formation count), a Secret with
// the config (envFrom), a Service for web, and a Job for the release phase. Three files, applied
// in order: APP-secret.yaml, then APP-release.yaml (wait for the Job), then APP.yaml.
//
// Ports: every pod has its own network namespace, so all replicas of a type use the type's base
// port (web 5000, worker 5100...). Every type gets PORT, as under `dozen start`; only web binds it
// for traffic, so only web gets a containerPort, a TCP readiness probe and a Service (Heroku's
// rule: web is the type that receives requests).
import type { ProcessSpec } from '../formation/types.js';
import { DozenError } from '../errors.js';
import { execCommand } from '../platform/exec-command.js';
import { header } from './header.js';
import { countsByType, typeName } from './instance-env.js';
import type { ExportContext, ExportFile } from './types.js';
import { toYaml } from './yaml-text.js';

const FORMAT = 'kubernetes';
const WEB = 'web';

export function renderKubernetes(instances: readonly ProcessSpec[], ctx: ExportContext): ExportFile[] {
  if (!ctx.image) {
    throw new DozenError('usage', 'kubernetes export needs --image IMAGE: the container image that holds the app.', {
      hint: 'Build one from the app root (e.g. `docker build -t registry/app:1 .`) and pass --image registry/app:1.',
    });
  }
  const app = ctx.app;
  const secretName = `${app}-config`;
  const files: ExportFile[] = [{ path: `${app}-secret.yaml`, content: yamlDocs([secret(secretName, ctx)]), secret: true }];
  if (ctx.releasePhase) {
    files.push({ path: `${app}-release.yaml`, content: yamlDocs([releaseJob(ctx.releasePhase, ctx.image, secretName, ctx)]) });
  }
  const docs: object[] = [];
  for (const [type, { count, first }] of countsByType(instances)) {
    const name = `${app}-${typeName(ctx.typeNames, type)}`;
    docs.push(deployment(name, type, count, first, ctx.image, secretName, ctx));
    if (type === WEB && first.port !== undefined) docs.push(service(name, type, app));
  }
  files.push({ path: `${app}.yaml`, content: yamlDocs(docs) });
  return files;
}

function labels(app: string, type: string): Record<string, string> {
  return { app, 'process-type': type };
}

function secret(name: string, ctx: ExportContext): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { app: ctx.app } },
    type: 'Opaque',
    stringData: { ...ctx.config },
  };
}

/** The container every type shares: `sh -c COMMAND`, config from the Secret, PORT/PS/DYNO. */
function container(type: string, containerName: string, spec: ProcessSpec, image: string, secretName: string): Record<string, unknown> {
  const env: object[] = [];
  if (spec.port !== undefined) env.push({ name: 'PORT', value: String(spec.port) });
  // Each pod's own name, as DYNO/PS name the instance under `dozen start`.
  for (const name of ['PS', 'DYNO']) env.push({ name, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  const c: Record<string, unknown> = {
    name: containerName,
    image,
    // Kubernetes expands `$(VAR)` in command and turns `$$` into `$`: doubling every `$` keeps the
    // command exactly as the Procfile wrote it. `exec` before a simple command: otherwise sh is
    // PID 1, which ignores SIGTERM, and the app gets no stop signal before the SIGKILL.
    command: ['sh', '-c', execCommand(spec.command).replace(/\$/g, '$$$$')],
    envFrom: [{ secretRef: { name: secretName } }],
    env,
  };
  if (type === WEB && spec.port !== undefined) {
    c.ports = [{ name: 'http', containerPort: spec.port, protocol: 'TCP' }];
    c.readinessProbe = { tcpSocket: { port: 'http' }, periodSeconds: 5 };
  }
  return c;
}

function deployment(name: string, type: string, replicas: number, spec: ProcessSpec, image: string, secretName: string, ctx: ExportContext): object {
  const l = labels(ctx.app, type);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: l },
    spec: {
      replicas,
      selector: { matchLabels: l },
      template: {
        metadata: { labels: l },
        spec: {
          terminationGracePeriodSeconds: ctx.timeoutSec,
          containers: [container(type, typeName(ctx.typeNames, type), spec, image, secretName)],
        },
      },
    },
  };
}

function service(name: string, type: string, app: string): object {
  const l = labels(app, type);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: l },
    spec: { selector: l, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
}

function releaseJob(spec: ProcessSpec, image: string, secretName: string, ctx: ExportContext): object {
  const l = labels(ctx.app, 'release');
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${ctx.app}-release`, labels: l },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: l },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: ctx.timeoutSec,
          containers: [container('release', 'release', spec, image, secretName)],
        },
      },
    },
  };
}

/** Documents after the header, each behind `---` (see yaml-text.ts for the quoting). */
function yamlDocs(docs: object[]): string {
  return header(FORMAT) + docs.map((d) => `---\n${toYaml(d)}`).join('');
}
