// YAML as every reader of the exported files parses it back: kubectl and PyYAML (Debian's
// docker-compose) read YAML 1.1, where `no`, `on` and `0755` are not strings unless quoted, and
// PyYAML refuses a tab inside a plain scalar. So: 1.1 output, strings holding a tab or another
// control character double-quoted (with escapes), and no anchors.
import { Document, Scalar, visit } from 'yaml';

const NEEDS_DOUBLE_QUOTES = /[\t\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && NEEDS_DOUBLE_QUOTES.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
