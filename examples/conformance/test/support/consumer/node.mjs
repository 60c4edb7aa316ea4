// The consumer's Node program: the installed packages by name, onnxruntime-node, one JSON line out.
import '@mta/ops-mta/register';
import * as core from '@mta/core';
import * as ops from '@mta/ops-mta';
import * as ort from 'onnxruntime-node';
import { roundTrip } from './roundtrip.mjs';

console.log(JSON.stringify(await roundTrip({ core, ops, ort, devices: ['cpu', 'npu'] })));
