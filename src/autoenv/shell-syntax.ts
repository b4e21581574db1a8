// The hook's two texts for each shell, pure: the hook itself (`dozen hook bash`), and what the hook
// evaluates after each change (`dozen hook-export bash`): export/unset statements with every value
// quoted by that shell's rules, and the list of files the hook watches between changes.
import { fishQuote, shellQuote } from '../env/shell-quote.js';
import type { EnvChange } from './hook-plan.js';
import { STATE_VARIABLE } from './hook-state.js';

export const HOOK_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type HookShell = (typeof HOOK_SHELLS)[number];

/** What the hook checks at each prompt before calling dozen: a cheap test, in the shell itself. */
export interface Watch {
  /** A file whose mtime is that of the last check: a watched file newer than it has changed. */
  stamp: string;
  /** Files that existed: changed when one is gone or newer than the stamp. */
  present: string[];
  /** Files that did not exist: changed when one appears. */
  absent: string[];
}

/** The statements `dozen hook-export SHELL` prints. `state` undefined: unset the state variable. */
export function renderExport(shell: HookShell, changes: readonly EnvChange[], state: string | undefined, watch: Watch): string {
  const all: EnvChange[] = [...changes, state === undefined ? { type: 'unset', key: STATE_VARIABLE } : { type: 'set', key: STATE_VARIABLE, value: state }];
  const lines =
    shell === 'fish'
      ? [
          ...all.map((c) => (c.type === 'set' ? `set -gx ${c.key} ${fishQuote(c.value)}` : `set -e -g ${c.key}`)),
          `set -g __dozen_stamp ${fishQuote(watch.stamp)}`,
          `set -g __dozen_present ${watch.present.map(fishQuote).join(' ')}`.trimEnd(),
          `set -g __dozen_absent ${watch.absent.map(fishQuote).join(' ')}`.trimEnd(),
        ]
      : [
          ...all.map((c) => (c.type === 'set' ? `export ${c.key}=${shellQuote(c.value)}` : `unset ${c.key}`)),
          `_dozen_stamp=${shellQuote(watch.stamp)}`,
          `_dozen_present=(${watch.present.map(shellQuote).join(' ')})`,
          `_dozen_absent=(${watch.absent.map(shellQuote).join(' ')})`,
        ];
  return `${lines.join('\n')}\n`;
}

/**
 * The hook for `shell`, calling dozen as `command` (its words, unquoted). At each prompt it
 * compares the folder and the watched files with the last check, using only the shell's own `test`
 * (no process is started), and calls dozen when something differs; like direnv, bash runs it from
 * PROMPT_COMMAND, zsh from precmd and chpwd, fish on its prompt event and on a change of PWD.
 */
export function hookScript(shell: HookShell, command: readonly string[]): string {
  switch (shell) {
    case 'bash':
    case 'zsh':
      return posixHook(shell, command.map(shellQuote).join(' '));
    case 'fish':
      return fishHook(command.map(fishQuote).join(' '));
  }
}

function posixHook(shell: 'bash' | 'zsh', command: string): string {
  const common = `_dozen_unchanged() {
  [[ -n "\${_dozen_pwd-}" && "$PWD" == "$_dozen_pwd" ]] || return 1
  local f
  for f in "\${_dozen_present[@]}"; do
    [[ -f "$f" && ! "$f" -nt "$_dozen_stamp" ]] || return 1
  done
  for f in "\${_dozen_absent[@]}"; do
    [[ ! -f "$f" ]] || return 1
  done
  return 0
}
_dozen_hook() {
  local previous_exit_status=$?
  if ! _dozen_unchanged; then
    _dozen_pwd=$PWD
    trap -- '' SIGINT
    eval "$(${command} hook-export ${shell} "$$")"
    trap - SIGINT
  fi
  return $previous_exit_status
}
`;
  if (shell === 'bash') {
    return `${common}if [[ ";\${PROMPT_COMMAND[*]:-};" != *";_dozen_hook;"* ]]; then
  if [[ "$(declare -p PROMPT_COMMAND 2>&1)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(_dozen_hook "\${PROMPT_COMMAND[@]}")
  else
    PROMPT_COMMAND="_dozen_hook\${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi
`;
  }
  return `${common}typeset -ag precmd_functions chpwd_functions
if (( ! \${precmd_functions[(I)_dozen_hook]} )); then
  precmd_functions=(_dozen_hook $precmd_functions)
fi
if (( ! \${chpwd_functions[(I)_dozen_hook]} )); then
  chpwd_functions=(_dozen_hook $chpwd_functions)
fi
`;
}

function fishHook(command: string): string {
  return `function __dozen_unchanged
    set -q __dozen_pwd; and test "$PWD" = "$__dozen_pwd"; or return 1
    for f in $__dozen_present
        test -f "$f"; and not test "$f" -nt "$__dozen_stamp"; or return 1
    end
    for f in $__dozen_absent
        not test -f "$f"; or return 1
    end
    return 0
end
function __dozen_hook --on-event fish_prompt --on-variable PWD
    if not __dozen_unchanged
        set -g __dozen_pwd $PWD
        ${command} hook-export fish $fish_pid | source
    end
end
`;
}
