import * as z from "zod";

/** How ssh checks the host's key: OpenSSH's known_hosts (strict), or off, which the user must write out. */
const SshSettings = {
  host: z.string().regex(/^[^\s-][^\s]*$/, "a host name, user@host or an ssh config alias"),
  port: z.number().int().min(1).max(65_535).optional(),
  identity_file: z.string().min(1).optional(),
  known_hosts_file: z.string().min(1).optional(),
  host_key_checking: z.enum(["strict", "off"]).default("strict"),
};

export const SshTransportSchema = z.object(SshSettings).strict();

/** `[D-]HH:MM:SS`, `MM:SS` or minutes, as Slurm writes a time limit. */
const TimeLimit = z
  .string()
  .regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'a time limit like "01:00:00", "2-00:00:00" or minutes');

export const SshRemoteSchema = z
  .object({
    type: z.literal("ssh"),
    ...SshSettings,
    dir: z.string().min(1).default("~/lanes-work"),
    time_limit: TimeLimit.default("24:00:00"),
  })
  .strict();

export const SlurmRemoteSchema = z
  .object({
    type: z.literal("slurm"),
    dir: z.string().min(1),
    partition: z
      .string()
      .regex(/^[\w.-]+$/)
      .optional(),
    time_limit: TimeLimit.default("01:00:00"),
    ssh: SshTransportSchema.optional(),
  })
  .strict();

export const RemoteSchema = z.discriminatedUnion("type", [SshRemoteSchema, SlurmRemoteSchema]);
export type RemoteConfig = z.infer<typeof RemoteSchema>;
export type SshRemoteConfig = z.infer<typeof SshRemoteSchema>;
export type SlurmRemoteConfig = z.infer<typeof SlurmRemoteSchema>;
export type SshTransportConfig = z.infer<typeof SshTransportSchema>;

export const LaneSettingsSchema = z
  .object({ limit: z.number().int().min(1).max(1000).optional(), remote: RemoteSchema.optional() })
  .strict();

/** A Slurm-style time limit in milliseconds. */
export function timeLimitMs(limit: string): number {
  const [days, clock] = limit.includes("-") ? limit.split("-") : ["0", limit];
  const parts = (clock ?? "").split(":").map(Number);
  // Slurm: "M", "M:S", "H:M:S".
  const [h, m, s] = parts.length === 3 ? parts : parts.length === 2 ? [0, ...parts] : [0, parts[0], 0];
  return (((Number(days) * 24 + (h ?? 0)) * 60 + (m ?? 0)) * 60 + (s ?? 0)) * 1000;
}
