// A stored template: what an admin wrote (schemas/template.ts) and its identity.
import type { TemplateInput } from '../../schemas/template';

export interface Template extends TemplateInput {
  id: string;
  workspaceId: string;
  version: number;
  robotCount: number;
  createdAt: string;
  updatedAt: string;
}
