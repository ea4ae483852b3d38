// What every route plugin is given.
import type { Runtime } from '../../app/runtime.js';

export interface RouteOptions {
  runtime: Runtime;
}
