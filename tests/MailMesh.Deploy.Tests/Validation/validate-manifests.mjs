// Validates rendered Kubernetes manifests offline, for MailMesh.Deploy.Tests.
//
//   node validate-manifests.mjs <node_modules dir> <custom-resource schemas.json> <rendered.yaml>...
//
// Every object is checked against the Kubernetes API schemas that the npm package kubernetes-models
// ships (types, required fields, enums, formats), and field names are checked strictly against the
// same models' declarations (the API server would drop or reject an unknown field such as
// `readinesProbe`). Kinds that kubernetes-models does not know (operator custom resources) are
// checked with the JSON schemas in the given file. Prints one JSON object to stdout:
//   { "documents": [{ "source", "index", "object" }], "problems": [{ "source", "index", "kind", "name", "message" }] }
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [nodeModules, crSchemaFile, ...inputs] = process.argv.slice(2);
if (!nodeModules || !crSchemaFile || inputs.length === 0) {
  console.error("usage: node validate-manifests.mjs <node_modules dir> <custom-resource schemas.json> <rendered.yaml>...");
  process.exit(2);
}

const load = (pkgPath) => import(pathToFileURL(join(nodeModules, pkgPath)).href);
const YAML = await load("yaml/dist/index.js");
const Ajv = (await load("ajv/dist/2020.js")).default;
const crSchemas = JSON.parse(readFileSync(crSchemaFile, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });

const documents = [];
const problems = [];

for (const source of inputs) {
  const parsed = YAML.parseAllDocuments(readFileSync(source, "utf8"));
  for (const [index, doc] of parsed.entries()) {
    const report = (object, message) => problems.push({
      source, index, kind: object?.kind ?? "", name: object?.metadata?.name ?? "", message });
    if (doc.errors.length > 0) {
      report(null, "YAML: " + doc.errors.map((e) => e.message).join("; "));
      continue;
    }
    const object = doc.toJS();
    if (object === null || object === undefined) {
      continue;
    }
    documents.push({ source, index, object });
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
      report(object, "apiVersion and kind must be strings");
      continue;
    }
    if (!object.metadata?.name) {
      report(object, "metadata.name is missing");
    }
    const model = await modelFor(object.apiVersion, object.kind);
    if (model) {
      try {
        new model.type(object).validate();
      } catch (e) {
        const details = Array.isArray(e.errors) && e.errors.length > 0
          ? e.errors.map((x) => `${x.instancePath || "/"} ${x.message ?? x.keyword}${x.params ? " " + JSON.stringify(x.params) : ""}`).join("; ")
          : e.message;
        report(object, `schema ${object.apiVersion} ${object.kind}: ${details}`);
      }
      for (const path of unknownFields(object, model.declaration, "")) {
        report(object, `unknown field ${path} (not in the ${object.apiVersion} ${object.kind} schema)`);
      }
      continue;
    }
    const schema = crSchemas[`${object.apiVersion}/${object.kind}`];
    if (!schema) {
      report(object, `no schema for ${object.apiVersion} ${object.kind}: neither kubernetes-models nor ${crSchemaFile} knows it`);
      continue;
    }
    const validate = ajv.compile(schema);
    if (!validate(object)) {
      report(object, `schema ${object.apiVersion} ${object.kind}: ` +
        validate.errors.map((x) => `${x.instancePath || "/"} ${x.message}${x.params ? " " + JSON.stringify(x.params) : ""}`).join("; "));
    }
  }
}

process.stdout.write(JSON.stringify({ documents, problems }));

// The kubernetes-models class and its declaration file for apiVersion/kind, or null for a kind the
// package does not have.
async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const base = join(nodeModules, "kubernetes-models", ...(group ? [group, version] : [version]), kind);
  if (!existsSync(base + ".js")) {
    return null;
  }
  const module = await import(pathToFileURL(base + ".js").href);
  return module[kind] ? { type: module[kind], declaration: base + ".d.ts" } : null;
}

// Paths of fields in `value` that the declared interface does not have, walking nested interfaces.
function unknownFields(value, declaration, path) {
  const shape = shapeOf(declaration);
  if (!shape || value === null || typeof value !== "object" || Array.isArray(value)) {
    return [];
  }
  const found = [];
  for (const [key, child] of Object.entries(value)) {
    const field = shape.get(key);
    if (!field) {
      found.push(`${path}.${key}`);
      continue;
    }
    if (!field.declaration) {
      continue;
    }
    if (field.array && Array.isArray(child)) {
      child.forEach((item, i) => found.push(...unknownFields(item, field.declaration, `${path}.${key}[${i}]`)));
    } else if (!field.array) {
      found.push(...unknownFields(child, field.declaration, `${path}.${key}`));
    }
  }
  return found;
}

// Field name -> { declaration of its interface type or null, array } parsed from a kubernetes-models
// .d.ts file (`export interface IName { "field"?: Type; ... }`); null when the file declares no
// interface (a type alias such as IntOrString, whose values are not objects to walk).
function shapeOf(declaration) {
  shapeOf.cache ??= new Map();
  if (shapeOf.cache.has(declaration)) {
    return shapeOf.cache.get(declaration);
  }
  let shape = null;
  if (existsSync(declaration)) {
    const text = readFileSync(declaration, "utf8");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
      imports.set(m[1], m[2]);
    }
    const lines = text.split("\n");
    const start = lines.findIndex((l) => /^export interface \w+/.test(l));
    if (start >= 0) {
      shape = new Map();
      for (let i = start + 1; i < lines.length && !lines[i].startsWith("}"); i++) {
        const m = /^ {4}"([^"]+)"\??: (.*?);?$/.exec(lines[i]);
        if (!m) {
          continue;
        }
        const type = m[2];
        const ref = /^(?:Array<)?(I\w+)>?$/.exec(type);
        const target = ref && imports.get(ref[1]);
        shape.set(m[1], {
          declaration: target ? resolveDeclaration(declaration, target) : null,
          array: type.startsWith("Array<"),
        });
      }
    }
  }
  shapeOf.cache.set(declaration, shape);
  return shape;
}

function resolveDeclaration(from, specifier) {
  const file = specifier.startsWith(".")
    ? resolve(dirname(from), specifier)
    : join(nodeModules, specifier);
  return file.replace(/\.js$/, "") + ".d.ts";
}
