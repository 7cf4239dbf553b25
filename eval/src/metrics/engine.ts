// The one place eval touches the gateway's tool-call engine (extract → repair → coerce →
// validate), so parse rate and schema hit mean exactly what the gateway would accept.
export { checkToolCalls, compileTools } from '../../../gateway/src/toolcalls/index.js';
export type { ToolCallReport, CheckedCall, CompiledTools, ToolDef, AssistantOutput } from '../../../gateway/src/toolcalls/index.js';
