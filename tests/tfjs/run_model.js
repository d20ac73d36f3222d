#!/usr/bin/env node
// tests/tfjs/run_model.js — runs a TF.js graph model (model.json + weight shards, read from files,
// no network) with TF.js's own runtime and its pure-JavaScript CPU backend, and writes the
// requested nodes' values: the independent reference the C++ executor (backbones/tfjs) is
// compared with.
//
//   node run_model.js --model models/centernet.json --out DIR \
//       --input tower_0/images=image.f32:1,512,512,3 \
//       --output tower_0/detections --output tower_0/keypoints
//
// Inputs are raw little-endian float32 files (`name=file:d0,d1,...`; `name=file:int32:d0,...` for
// int32). For the i-th --output it writes DIR/<i>.bin (the raw values: float32, int32, or one byte
// per bool) and, for all of them, DIR/outputs.json: [{"name", "dtype", "shape", "file"}, ...].
// Exit status 1 with one line on stderr on any error.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stderr.write(`run_model.js: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = {model: null, out: null, inputs: [], outputs: []};
  for (let i = 0; i < argv.length; ++i) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    ++i;
    if (flag === '--model') args.model = value;
    else if (flag === '--out') args.out = value;
    else if (flag === '--output') args.outputs.push(value);
    else if (flag === '--input') {
      const eq = value.indexOf('=');
      if (eq < 1) fail(`--input ${value}: expected name=file:[int32:]d0,d1,...`);
      const name = value.slice(0, eq);
      const parts = value.slice(eq + 1).split(':');
      if (parts.length < 2 || parts.length > 3) fail(`--input ${value}: expected name=file:[int32:]d0,d1,...`);
      const dtype = parts.length === 3 ? parts[1] : 'float32';
      if (dtype !== 'float32' && dtype !== 'int32') fail(`--input ${value}: dtype must be float32 or int32`);
      const shape = parts[parts.length - 1].split(',').map((d) => {
        const n = Number(d);
        if (!Number.isInteger(n) || n < 0) fail(`--input ${value}: bad dimension '${d}'`);
        return n;
      });
      args.inputs.push({name, file: parts[0], dtype, shape});
    } else {
      fail(`unknown argument ${flag}`);
    }
  }
  if (!args.model || !args.out || args.outputs.length === 0) {
    fail('usage: run_model.js --model model.json --out DIR --input name=file:shape ... --output node ...');
  }
  return args;
}

// readArtifacts: model.json and its shards as TF.js's ModelArtifacts (what tf.io.http would
// fetch), read from the model's folder.
function readArtifacts(modelPath) {
  let model;
  try {
    model = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  } catch (e) {
    fail(`${modelPath}: ${e.message}`);
  }
  const dir = path.dirname(modelPath);
  const weightSpecs = [];
  const buffers = [];
  for (const group of model.weightsManifest || []) {
    weightSpecs.push(...group.weights);
    for (const shard of group.paths) buffers.push(fs.readFileSync(path.join(dir, shard)));
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: model.modelTopology,
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    signature: model.signature,
    userDefinedMetadata: model.userDefinedMetadata,
    modelInitializer: model.modelInitializer,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Its Node entry point also advertises tfjs-node on the console: keep the console for our own lines.
  const log = console.log;
  const warn = console.warn;
  console.log = console.warn = () => {};
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  await tf.ready();
  if (tf.getBackend() !== 'cpu') fail(`expected the cpu backend, got ${tf.getBackend()}`);

  const model = await tf.loadGraphModel(tf.io.fromMemory(readArtifacts(args.model)));
  const feeds = {};
  for (const input of args.inputs) {
    const bytes = fs.readFileSync(input.file);
    const count = input.shape.reduce((a, b) => a * b, 1);
    if (bytes.length !== count * 4) {
      fail(`${input.file}: ${bytes.length} bytes, shape [${input.shape}] needs ${count * 4}`);
    }
    const copy = new ArrayBuffer(bytes.length);
    new Uint8Array(copy).set(bytes);
    const values = input.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    feeds[input.name] = tf.tensor(values, input.shape, input.dtype);
  }

  const start = Date.now();
  let results = model.execute(feeds, args.outputs);
  if (!Array.isArray(results)) results = [results];
  const seconds = (Date.now() - start) / 1000;
  console.log = log;
  console.warn = warn;

  fs.mkdirSync(args.out, {recursive: true});
  const index = [];
  for (let i = 0; i < results.length; ++i) {
    const t = results[i];
    const data = await t.data();
    const file = `${i}.bin`;
    fs.writeFileSync(path.join(args.out, file), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    index.push({name: args.outputs[i], dtype: t.dtype, shape: t.shape, file});
  }
  fs.writeFileSync(path.join(args.out, 'outputs.json'), JSON.stringify(index, null, 1));
  process.stdout.write(`run_model.js: ${args.outputs.length} output(s) of ${args.model} in ${seconds.toFixed(1)} s\n`);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
