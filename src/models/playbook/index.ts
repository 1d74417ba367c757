export { playbookModel, PLAYBOOK_LABEL } from './model.js';
export { playbookSchema, type Playbook, type PlaybookInput, type PlaybookRule, type PlaybookCall, type Condition, type Comparison } from './schema.js';
