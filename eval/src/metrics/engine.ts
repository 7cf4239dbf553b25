// The one place eval touches the gateway's tool-call engine (extract → repair → coerce →
// validate), so parse rate and schema hit mean exactly what the gateway would accept.
export { checkToolCalls, compileTools } from '../../../gateway/src/toolcalls/index.js';
export type { CheckedCall, CompiledTools } from '../../../gateway/src/toolcalls/index.js';
