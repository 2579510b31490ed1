/** The approval modes, without zod: the CLI's flag parser needs them before any schema is loaded. */
export const APPROVAL_MODES = ["untrusted", "on-request", "never"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
