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

/** A completion script for bash or zsh, generated from the CLI's own definition so it never drifts. */
export function completionScript(shell: string, program: Command): string {
  const top = [
    ...new Set([...program.commands.map((c) => c.name()), ...optionFlags(program), "--help", "--version"]),
  ];
  const subs = subcommandWords(program);
  const cases = Object.entries(subs)
    .map(([name, words]) => `    ${name}) words="${words.join(" ")}" ;;`)
    .join("\n");
  if (shell === "bash") {
    return `# lanes completion for bash: eval "$(lanes completion bash)"
_lanes() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
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
_lanes() {
  local words_list
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
