import type { Command } from "commander";

function optionFlags(command: Command): string[] {
  return command.options.flatMap((option) =>
    [option.long, option.short].filter((flag): flag is string => Boolean(flag)),
  );
}

/** Words to offer after `lanes <sub>`: its subcommands and flags. Read from the commander tree itself. */
function subcommandWords(program: Command): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const sub of program.commands) {
    table[sub.name()] = [...sub.commands.map((c) => c.name()), ...optionFlags(sub)];
  }
  table.completion = ["bash", "zsh"];
  return table;
}

/** Flags that take a value, with the values offered: their choices, folders (`dir`) or files (`file`). */
function flagValues(program: Command): { flag: string; values: string[] | "dir" | "file" }[] {
  const options = [program, ...program.commands].flatMap((command) => command.options);
  const seen = new Set<string>();
  return options.flatMap((option) => {
    if (!option.long || !(option.required || option.optional) || seen.has(option.long)) return [];
    seen.add(option.long);
    const values = option.argChoices ?? (option.long === "--cwd" ? "dir" : "file");
    return [{ flag: option.long, values }];
  });
}

// Task ids are the record names under the nearest .lanes/tasks above the workspace (--cwd, else here).
const BASH_TASK_IDS = `_lanes_task_ids() {
  local dir="$PWD" i f
  for ((i=1; i<COMP_CWORD; i++)); do [ "\${COMP_WORDS[i]}" = --cwd ] && dir="\${COMP_WORDS[i+1]}"; done
  while [ "$dir" != / ] && [ -n "$dir" ] && [ ! -d "$dir/.lanes/tasks" ]; do dir="$(dirname "$dir")"; done
  for f in "$dir"/.lanes/tasks/*.json; do [ -e "$f" ] || continue; f="\${f##*/}"; echo "\${f%.json}"; done
}`;

const ZSH_TASK_IDS = `_lanes_task_ids() {
  local dir="$PWD" i f
  for ((i=2; i<CURRENT; i++)); do [[ "$words[i]" == --cwd ]] && dir="$words[i+1]"; done
  while [[ "$dir" != / && -n "$dir" && ! -d "$dir/.lanes/tasks" ]]; do dir="\${dir:h}"; done
  for f in "$dir"/.lanes/tasks/*.json(N); do f="\${f:t}"; echo "\${f%.json}"; done
}`;

/** A completion script for bash or zsh, generated from the CLI's own definition so it never drifts. */
export function completionScript(shell: string, program: Command): string {
  const top = [
    ...new Set([...program.commands.map((c) => c.name()), ...optionFlags(program), "--help", "--version"]),
  ];
  const subs = subcommandWords(program);
  const cases = Object.entries(subs)
    .map(([name, words]) => `    ${name}) words="${words.join(" ")}" ;;`)
    .join("\n");
  const values = flagValues(program);
  const bashValues = values
    .map(({ flag, values: offered }) =>
      offered === "dir"
        ? `    ${flag}) COMPREPLY=( $(compgen -d -- "$cur") ); return ;;`
        : offered === "file"
          ? `    ${flag}) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;`
          : `    ${flag}) COMPREPLY=( $(compgen -W "${offered.join(" ")}" -- "$cur") ); return ;;`,
    )
    .join("\n");
  const zshValues = values
    .map(({ flag, values: offered }) =>
      offered === "dir"
        ? `    ${flag}) _files -/; return ;;`
        : offered === "file"
          ? `    ${flag}) _files; return ;;`
          : `    ${flag}) compadd -- ${offered.join(" ")}; return ;;`,
    )
    .join("\n");
  if (shell === "bash") {
    return `# lanes completion for bash: eval "$(lanes completion bash)"
${BASH_TASK_IDS}
_lanes() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words
  case "$prev" in
${bashValues}
  esac
  if [ "\${COMP_WORDS[1]}" = tasks ] && { [ "$prev" = logs ] || [ "$prev" = kill ] || [ "$prev" = show ]; }; then
    COMPREPLY=( $(compgen -W "$(_lanes_task_ids)" -- "$cur") ); return
  fi
  case "\${COMP_WORDS[1]}" in run|sandbox) if [[ "$cur" != -* ]] && [ "$COMP_CWORD" -ge 2 ]; then
    if [ "$COMP_CWORD" -eq 2 ] || [ "$prev" = -- ]; then COMPREPLY=( $(compgen -c -- "$cur" | sort -u) ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
    return
  fi ;; esac
  if [ "$COMP_CWORD" -eq 1 ]; then words="${top.join(" ")}"; else
  case "\${COMP_WORDS[1]}" in
${cases}
    *) words="${optionFlags(program).join(" ")}" ;;
  esac; fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _lanes lanes
`;
  }
  if (shell === "zsh") {
    return `#compdef lanes
# lanes completion for zsh: eval "$(lanes completion zsh)" (after compinit)
${ZSH_TASK_IDS}
_lanes() {
  local words_list prev="$words[CURRENT-1]"
  case "$prev" in
${zshValues}
  esac
  if [[ "$words[2]" == tasks && ( "$prev" == logs || "$prev" == kill || "$prev" == show ) ]]; then
    compadd -- $(_lanes_task_ids); return
  fi
  if [[ ( "$words[2]" == run || "$words[2]" == sandbox ) && "$PREFIX" != -* && CURRENT -ge 3 ]]; then
    if (( CURRENT == 3 )) || [[ "$prev" == -- ]]; then _command_names; else _files; fi
    return
  fi
  if (( CURRENT == 2 )); then words_list="${top.join(" ")}"; else
  case "$words[2]" in
${cases.replace(/words=/g, "words_list=")}
    *) words_list="${optionFlags(program).join(" ")}" ;;
  esac; fi
  compadd -- \${=words_list}
}
compdef _lanes lanes
`;
  }
  throw Object.assign(new Error(`unknown shell "${shell}": use bash or zsh`), { name: "ConfigError" });
}
