/**
 * The request checks the real Messages API performs that a client can get wrong, with its error wording, so
 * a prompt or adapter that passes against the fake server does not fail its first real call.
 */

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

type Json = Record<string, unknown>;

/** The first problem with a Messages API request body, or undefined when it is well-formed. */
export function validateMessagesRequest(body: unknown): string | undefined {
  if (!isObject(body)) return 'body: expected a JSON object';
  if (typeof body['model'] !== 'string' || body['model'] === '') return 'model: Field required';
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) return 'max_tokens: must be an integer >= 1';
  const toolProblem = validateTools(body['tools']);
  if (toolProblem) return toolProblem;
  const system = body['system'];
  if (system !== undefined && typeof system !== 'string' && !Array.isArray(system)) return 'system: expected a string or a list of text blocks';
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  const breakpoints = countBreakpoints(body);
  if (breakpoints > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  return validateMessages(messages);
}

function validateTools(tools: unknown): string | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return 'tools: expected a list';
  const seen = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool)) return `tools.${i}: expected an object`;
    const name = tool['name'];
    if (typeof name !== 'string' || !TOOL_NAME.test(name)) return `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    if (seen.has(name)) return `tools: Tool names must be unique. Duplicate: ${name}`;
    seen.add(name);
    const schema = tool['input_schema'];
    if (!isObject(schema) || schema['type'] !== 'object') return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
  }
  return undefined;
}

function validateMessages(messages: unknown[]): string | undefined {
  let pendingToolUses: string[] = [];
  for (const [i, message] of messages.entries()) {
    if (!isObject(message)) return `messages.${i}: expected an object`;
    const role = message['role'];
    if (role !== 'user' && role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i === 0 && role !== 'user') return 'messages: first message must use the "user" role';
    const content = typeof message['content'] === 'string' ? [{ type: 'text', text: message['content'] }] : message['content'];
    if (!Array.isArray(content) || content.length === 0) return `messages.${i}: all messages must have non-empty content`;
    const blocks = content as Json[];
    if (pendingToolUses.length > 0) {
      const results = new Set(blocks.filter((b) => b['type'] === 'tool_result').map((b) => String(b['tool_use_id'])));
      const missing = pendingToolUses.filter((id) => !results.has(id));
      if (role !== 'user' || missing.length > 0) {
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    pendingToolUses = [];
    for (const [j, block] of blocks.entries()) {
      const type = block['type'];
      if (type === 'tool_use') {
        if (role !== 'assistant') return `messages.${i}.content.${j}: tool_use blocks may only appear in assistant messages`;
        if (!isObject(block['input'])) return `messages.${i}.content.${j}.input: Input should be a valid dictionary`;
        pendingToolUses.push(String(block['id']));
      } else if (type === 'tool_result') {
        if (role !== 'user') return `messages.${i}.content.${j}: tool_result blocks may only appear in user messages`;
      } else if (type === 'text') {
        if (typeof block['text'] !== 'string' || block['text'] === '') return `messages.${i}.content.${j}.text: text content blocks must be non-empty`;
      } else {
        return `messages.${i}.content.${j}.type: unsupported block type '${String(type)}'`;
      }
    }
  }
  // A trailing assistant tool_use is accepted (prefill); only a following message without results is an error.
  return undefined;
}

function countBreakpoints(body: Json): number {
  let n = 0;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) {
      if (value['cache_control'] !== undefined) n++;
      for (const [key, v] of Object.entries(value)) if (key !== 'cache_control' && key !== 'input_schema' && key !== 'input') visit(v);
    }
  };
  visit(body['tools']);
  visit(body['system']);
  visit(body['messages']);
  return n;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
