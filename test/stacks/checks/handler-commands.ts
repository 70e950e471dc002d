// The AWS SDK commands a Lambda handler can send, from its code: esbuild (as the stacks bundle it) lists the
// modules the handler pulls in; in those, every `new XxxCommand(` of an `@aws-sdk/*` import is a call, kept when
// the function or method that sends it is called somewhere in the bundle (so a tool-only reader that merely shares
// a module, like readKinesisStream, does not count). Over-approximate by design: a call kept here that a role
// lacks is either a real gap or dead code worth deleting.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import ts from 'typescript';
import { REPO_ROOT } from '../../../stacks/constructs/bundled-function.ts';
import { commandAction, SDK_PACKAGES } from './aws-actions.ts';

export interface SdkCall {
  /** IAM action, e.g. `s3:PutObject`. */
  readonly action: string;
  readonly command: string;
  /** `src/io/s3.ts:51 S3FileIO.write`. */
  readonly site: string;
  /** Property names of the command's input literal (e.g. `ServerSideEncryption`, `IndexName`). */
  readonly inputKeys: readonly string[];
}

interface Site extends SdkCall {
  readonly sender: string | undefined;
}

/** Source files (repo-relative) esbuild includes for an entry, as the stacks bundle it. */
export function bundledSources(entry: string): string[] {
  const result = buildSync({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    write: false,
    metafile: true,
    outfile: 'index.mjs',
    logLevel: 'silent',
    absWorkingDir: REPO_ROOT,
  });
  return Object.keys(result.metafile.inputs).filter((p) => p.endsWith('.ts') && !p.includes('node_modules'));
}

function nameOf(node: ts.Node): string | undefined {
  if ((ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node)) && node.name) return node.name.getText();
  // A function held in a module-level const is named by it; one in a local const belongs to its enclosing function.
  const declaration = node.parent;
  if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(declaration))
    return ts.isSourceFile(declaration.parent.parent.parent) ? declaration.name.getText() : undefined;
  return undefined;
}

function classOf(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent) if (ts.isClassDeclaration(n)) return n.name?.getText();
  return undefined;
}

/** The named function or method a node sits in (arrow functions inside a method belong to the method). */
function sender(node: ts.Node): string | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    const name = nameOf(n);
    if (name) return name;
  }
  return undefined;
}

/** Every command sent in the handler's bundle whose sender is called from somewhere in the bundle. */
export function handlerSdkCalls(entry: string): SdkCall[] {
  const sources = bundledSources(entry).map((file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    return { file, sf: ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true) };
  });
  const sites: Site[] = [];
  // Call graph by name: which named function or method calls which name (`undefined`: module-level code).
  const calls: { readonly callee: string; readonly caller: string | undefined }[] = [];
  for (const { file, sf } of sources) {
    const imported = new Map<string, string>();
    for (const st of sf.statements) {
      if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
      const pkg = st.moduleSpecifier.text;
      const bindings = st.importClause?.namedBindings;
      if (pkg in SDK_PACKAGES && bindings && ts.isNamedImports(bindings))
        for (const el of bindings.elements) imported.set(el.name.getText(), pkg);
    }
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name.getText() : callee.getText();
        calls.push({ callee: name, caller: sender(node) });
      }
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
        const command = node.expression.getText();
        const pkg = imported.get(command);
        if (pkg && command.endsWith('Command')) {
          const input = node.arguments?.[0];
          const inputKeys =
            input && ts.isObjectLiteralExpression(input)
              ? input.properties.map((p) => p.name?.getText() ?? '').filter(Boolean)
              : [];
          const fn = sender(node);
          const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          const owner = classOf(node);
          sites.push({
            action: commandAction(pkg, command),
            command,
            site: `${file}:${line} ${owner ? `${owner}.` : ''}${fn ?? '<module>'}`,
            inputKeys,
            sender: fn,
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  // Reachable names: called from module-level code (the handler export, constructors), then from anything reachable.
  const reachable = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const c of calls)
      if ((c.caller === undefined || reachable.has(c.caller)) && !reachable.has(c.callee)) {
        reachable.add(c.callee);
        grew = true;
      }
  }
  return sites
    .filter((s) => s.sender === undefined || reachable.has(s.sender))
    .map(({ sender: _sender, ...call }) => call);
}
