// What a Python app declares: the distributions named in requirements files, pyproject.toml,
// Pipfile, setup.py and setup.cfg, with whether each is pinned; and the distributions an import
// name may come from (`yaml` is PyYAML's, `PIL` Pillow's).
import type { SourceFile } from '../types.js';
import { baseName, linesOf } from './source-kinds.js';

export interface Requirement {
  /** Normalized (PEP 503): lowercase, runs of `-_.` as `-`. */
  name: string;
  pinned: boolean;
  file: string;
  line: number;
}

export const isRequirementsFile = (path: string): boolean => /(^|\/)requirements[^/]*\.txt$|(^|\/)requirements\/[^/]+\.txt$/.test(path);
const PYTHON_MANIFESTS = new Set(['pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg']);

export function isPythonManifest(path: string): boolean {
  return isRequirementsFile(path) || PYTHON_MANIFESTS.has(baseName(path));
}

export function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** One requirement specifier (`Django[argon2]==4.2.7 ; python_version > "3"`) -> name and pinned. */
function requirement(spec: string, file: string, line: number): Requirement | undefined {
  const egg = /#egg=([\w.-]+)/.exec(spec);
  if (egg) return { name: normalize(egg[1] as string), pinned: true, file, line };
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(spec);
  if (!m) return undefined;
  // The version part, without a marker (`; python_version...`) or options (`--hash=...`).
  const rest = ((m[3] as string).split(';')[0] ?? '').replace(/\s--?\w[\w-]*(=\S*)?/g, '').trim();
  const pinned = (/^===?\s*[^\s,*]+$/.test(rest) && !rest.includes('*')) || rest.startsWith('@');
  return { name: normalize(m[1] as string), pinned, file, line };
}

/** Every requirement the app's Python manifests declare. */
export function pythonRequirements(files: readonly SourceFile[]): Requirement[] {
  const out: Requirement[] = [];
  for (const file of files) {
    const name = baseName(file.path);
    if (isRequirementsFile(file.path)) out.push(...fromRequirementsTxt(file));
    else if (name === 'pyproject.toml' || name === 'Pipfile') out.push(...fromToml(file));
    else if (name === 'setup.py' || name === 'setup.cfg') out.push(...fromSetup(file));
  }
  return out;
}

function fromRequirementsTxt(file: SourceFile): Requirement[] {
  const out: Requirement[] = [];
  linesOf(file.text).forEach((raw, i) => {
    const text = raw.replace(/(^|\s)#(?!egg=).*$/, '').replace(/\\$/, '').trim();
    if (text === '' || (text.startsWith('-') && !/^-e\s/.test(text))) return;
    const r = requirement(text.replace(/^-e\s+/, ''), file.path, i + 1);
    if (r) out.push(r);
  });
  return out;
}

/** pyproject.toml ([project] arrays, poetry's tables) and Pipfile ([packages], [dev-packages]). */
function fromToml(file: SourceFile): Requirement[] {
  const out: Requirement[] = [];
  let table = '';
  let inArray = false;
  linesOf(file.text).forEach((raw, i) => {
    const line = raw.replace(/\s#.*$/, '').trim();
    const header = /^\[+\s*([^\]]+?)\s*\]+$/.exec(line);
    if (header) {
      table = header[1] as string;
      inArray = false;
      return;
    }
    const keyed = /^([A-Za-z0-9_.-]+|"[^"]+")\s*=\s*(.*)$/.exec(line);
    const arrayTable = table === 'project' || table === 'project.optional-dependencies' || table === 'dependency-groups';
    if (arrayTable && keyed && (table !== 'project' || keyed[1] === 'dependencies') && (keyed[2] as string).startsWith('[')) inArray = true;
    if (inArray) {
      for (const s of line.matchAll(/"([^"]+)"|'([^']+)'/g)) {
        if (keyed && s.index < line.indexOf('=')) continue;
        const r = requirement((s[1] ?? s[2]) as string, file.path, i + 1);
        if (r) out.push(r);
      }
      if (line.replace(/"[^"]*"|'[^']*'/g, '').includes(']')) inArray = false;
      return;
    }
    const keyTable = /^tool\.poetry\.(dev-)?dependencies$|^tool\.poetry\.group\.[^.]+\.dependencies$|^(dev-)?packages$/.test(table);
    if (keyTable && keyed) {
      const name = (keyed[1] as string).replace(/"/g, '');
      if (name === 'python') return;
      const value = keyed[2] as string;
      const version = /^["']([^"']*)["']/.exec(value)?.[1] ?? /version\s*=\s*["']([^"']*)["']/.exec(value)?.[1] ?? '*';
      out.push({ name: normalize(name), pinned: /^(==)?\d[\w.]*$/.test(version), file: file.path, line: i + 1 });
    }
  });
  return out;
}

/** setup.py's `install_requires=[...]` strings, setup.cfg's `install_requires =` lines. */
function fromSetup(file: SourceFile): Requirement[] {
  const out: Requirement[] = [];
  const lines = linesOf(file.text);
  let collecting = false;
  lines.forEach((raw, i) => {
    if (/install_requires\s*=/.test(raw)) collecting = true;
    else if (collecting && (file.path.endsWith('.py') ? /^\s*\w+\s*=/.test(raw) : /^\S/.test(raw))) collecting = false;
    if (!collecting) return;
    const specs = file.path.endsWith('.py') ? [...raw.matchAll(/["']([^"']+)["']/g)].map((m) => m[1] as string) : [raw.replace(/^.*=/, '').trim()];
    for (const spec of specs) {
      const r = spec === '' ? undefined : requirement(spec, file.path, i + 1);
      if (r) out.push(r);
    }
    if (file.path.endsWith('.py') && raw.includes(']')) collecting = false;
  });
  return out;
}

/** Import names whose distribution is named otherwise, normalized. */
const DISTRIBUTIONS: Record<string, string[]> = {
  yaml: ['pyyaml'], PIL: ['pillow'], dotenv: ['python-dotenv'], psycopg2: ['psycopg2', 'psycopg2-binary'],
  psycopg: ['psycopg', 'psycopg-binary'], sklearn: ['scikit-learn'], skimage: ['scikit-image'], bs4: ['beautifulsoup4'],
  cv2: ['opencv-python', 'opencv-python-headless', 'opencv-contrib-python'], dateutil: ['python-dateutil'], jwt: ['pyjwt'],
  MySQLdb: ['mysqlclient'], OpenSSL: ['pyopenssl'], Crypto: ['pycryptodome', 'pycrypto'], Cryptodome: ['pycryptodomex'],
  attr: ['attrs'], rest_framework: ['djangorestframework'], corsheaders: ['django-cors-headers'], environ: ['django-environ'],
  decouple: ['python-decouple'], debug_toolbar: ['django-debug-toolbar'], storages: ['django-storages'],
  pkg_resources: ['setuptools'], gi: ['pygobject'], win32api: ['pywin32'], docx: ['python-docx'], pptx: ['python-pptx'],
  telegram: ['python-telegram-bot'], slugify: ['python-slugify'], multipart: ['python-multipart'], dns: ['dnspython'],
  memcache: ['python-memcached'], socks: ['pysocks'], grpc: ['grpcio'], fitz: ['pymupdf'], nacl: ['pynacl'],
  git: ['gitpython'], github: ['pygithub'], kafka: ['kafka-python'], websocket: ['websocket-client'], OpenGL: ['pyopengl'],
  absl: ['absl-py'], umap: ['umap-learn'], crispy_forms: ['django-crispy-forms'], allauth: ['django-allauth'],
  django_filters: ['django-filter'], widget_tweaks: ['django-widget-tweaks'], faiss: ['faiss-cpu', 'faiss-gpu'],
  Levenshtein: ['python-levenshtein', 'levenshtein'], ruamel: ['ruamel-yaml'], google: ['protobuf'], sentry_sdk: ['sentry-sdk'],
};

/** Namespace packages: any distribution named `<name>-...` provides them (`google-cloud-storage` gives `google`). */
const NAMESPACES = new Set(['google', 'azure', 'zope', 'jaraco', 'backports', 'sphinxcontrib', 'opentelemetry', 'mysql', 'oslo']);

/** Whether any declared distribution (normalized names) provides the top-level module `name`. */
export function isProvided(name: string, declared: ReadonlySet<string>): boolean {
  const n = normalize(name);
  const candidates = [n, `python-${n}`, `py${n}`, `${n}-python`, `django-${n}`, ...(DISTRIBUTIONS[name] ?? [])];
  if (candidates.some((c) => declared.has(c))) return true;
  return NAMESPACES.has(name) && [...declared].some((d) => d.startsWith(`${n}-`));
}
