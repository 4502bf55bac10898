// The primary's side of the pair, installed over SSH by `pulumi up` when the user opts in, and
// removed by `pulumi destroy`: a systemd user timer that runs the workspace push
// (workspace-push.ts) as the user OpenClaw runs as. User units, because that is how OpenClaw runs
// its own gateway on Linux (a user service kept alive by lingering), so no root is needed. The
// install first checks what the standby depends on, and changes nothing when a check fails. Of the
// user's OpenClaw config it changes one key, through OpenClaw's own CLI and only when it is not
// set already: the bundled admin-http-rpc plugin, which the duplicate-bot guard asks
// (channels.status with the gateway token; OpenClaw hot-applies plugin config, no restart).
import { shellQuote } from './shell.js';
import { primaryPathWord, renderWorkspacePushScript } from './workspace-push.js';

export const WORKSPACE_PUSH_UNIT = 'openclaw-workspace-push';
/** Under the SSH user's home. */
const SCRIPT_DIR = '.local/lib/openclaw-failover';
const SCRIPT_PATH = `${SCRIPT_DIR}/workspace-push`;
/** Left by an install that switched the admin RPC plugin on, so that only that one switches it off. */
const RPC_MARKER = `${SCRIPT_DIR}/enabled-admin-http-rpc`;
const RPC_KEY = 'plugins.entries.admin-http-rpc.enabled';
const UNIT_DIR = '.config/systemd/user';

export interface PrimarySideInput {
  /** The primary's OpenClaw workspace: a git clone whose branch tracks the repository the standby clones. */
  workspacePath: string;
  /** The primary's OpenClaw config file (`openclaw config file` prints it). */
  openclawConfigPath: string;
  /** Seconds between two runs of the push: what the standby can be behind at a failover. */
  pushIntervalSeconds: number;
  /** The standby's Telegram bot id (its token's part before `:`); undefined for Discord. */
  standbyBotId: string | undefined;
  /** The repository the standby clones (workspaceRepo): the primary's branch must push there. */
  workspaceRepo: string;
}

/**
 * Bash: `repo_id URL` prints a git URL as host/path, lowercased, without user, port, scheme or
 * `.git`, so that the forms of one repository compare equal: git@host:o/r.git, ssh://git@host:22/o/r,
 * https://host/o/r. What it prints carries no credentials, so it can go into an error message.
 */
const REPO_ID = `repo_id() {
  local url=\${1%/} host path
  url=\${url%.git}
  case $url in
    *://*) url=\${url#*://}; url=\${url##*@}; host=\${url%%/*}; host=\${host%%:*}; path=\${url#*/} ;;
    *:*) url=\${url##*@}; host=\${url%%:*}; path=\${url#*:} ;;
    *) host=''; path=$url ;;
  esac
  path=\${path#/}
  printf '%s/%s\\n' "\${host,,}" "\${path,,}"
}`;

/** Bash: `oc ARGS` runs the user's OpenClaw CLI on the config at $config; $openclaw is empty without one. */
const OPENCLAW_CLI = `openclaw=$(command -v openclaw || true)
oc() { OPENCLAW_CONFIG_PATH=$config "$openclaw" "$@"; }`;

/** The timer's service: one bounded run of the script. */
export function renderWorkspacePushService(): string {
  return `[Unit]
Description=Commit and push the OpenClaw workspace for the failover standby
After=network-online.target

[Service]
Type=oneshot
ExecStart=/bin/bash %h/${SCRIPT_PATH}
# Two bounded git calls and a commit: a run that takes longer is stuck.
TimeoutStartSec=150
Nice=10
`;
}

export function renderWorkspacePushTimer(pushIntervalSeconds: number): string {
  if (!Number.isInteger(pushIntervalSeconds) || pushIntervalSeconds < 1) {
    throw new Error('pushIntervalSeconds must be a positive integer');
  }
  return `[Unit]
Description=Push the OpenClaw workspace every ${pushIntervalSeconds} s for the failover standby

[Timer]
OnActiveSec=1
# From the start of the last run; AccuracySec keeps systemd from batching it later.
OnUnitActiveSec=${pushIntervalSeconds}
AccuracySec=1s

[Install]
WantedBy=timers.target
`;
}

const heredoc = (path: string, content: string) =>
  `cat > ${path} <<'FAILOVER_GATEWAY'\n${content}FAILOVER_GATEWAY`;

/**
 * Fed to `bash -s` as the SSH user. Checks, then installs or updates the files and (re)starts the
 * timer, then runs the push once so that `pulumi up` fails when the primary cannot push.
 * Idempotent: a second run with the same input writes the same files.
 */
export function renderPrimarySideInstall(input: PrimarySideInput): string {
  const ws = primaryPathWord(input.workspacePath);
  const config = primaryPathWord(input.openclawConfigPath);
  if (input.standbyBotId !== undefined && !/^\d{1,20}$/.test(input.standbyBotId)) {
    throw new Error('standbyBotId must be the digits of a Telegram bot id');
  }
  // A bot token is "<id>:<secret>": the id, not preceded by a digit, followed by ':' is that bot.
  const botCheck =
    input.standbyBotId === undefined
      ? '# A Discord standby: its bot is not recognisable in the config file; the monitor asks the running primary.'
      : `if grep -qE -- '(^|[^0-9])${input.standbyBotId}:' "$config"; then
  fail "$config holds the standby's Telegram bot token (bot ${input.standbyBotId}): remove it there; the standby's bot must run only on the standby, or both answer your DMs"
fi`;
  return `set -euo pipefail
umask 022
fail() { echo "failover-gateway primary side: $*" >&2; exit 1; }
ws=${ws}
config=${config}
repo=${shellQuote(input.workspaceRepo)}
${REPO_ID}
user=$(id -un)
export XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}

[[ -d $ws/.git ]] || fail "$ws is not a git clone: clone the workspace repository (the standby's workspaceRepo) there, or set primaryWorkspacePath"
branch=$(git -C "$ws" symbolic-ref --short -q HEAD) || fail "HEAD is detached in $ws: check out the branch the standby pulls"
remote=$(git -C "$ws" config "branch.$branch.remote") || fail "branch $branch in $ws has no upstream: git -C $ws push -u origin $branch"
pushes_to=$(repo_id "$(git -C "$ws" remote get-url --push "$remote")")
standby_clones=$(repo_id "$repo")
[[ $pushes_to == "$standby_clones" ]] ||
  fail "$ws pushes to $pushes_to, but the standby clones $standby_clones (workspaceRepo): point $remote there (git -C $ws remote set-url $remote URL) or set workspaceRepo to the primary's repository"
[[ -r $config ]] || fail "no OpenClaw config at $config: set primaryOpenclawConfigPath to what 'openclaw config file' prints"
${botCheck}
[[ $(loginctl show-user "$user" --property=Linger --value 2>/dev/null) == yes ]] ||
  fail "lingering is off for $user, so its user timers stop at logout: sudo loginctl enable-linger $user"
systemctl --user show-environment >/dev/null 2>&1 || fail "no systemd user manager for $user (XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR)"

mkdir -p "$HOME/${SCRIPT_DIR}" "$HOME/${UNIT_DIR}"
${heredoc(`"$HOME/${SCRIPT_PATH}"`, renderWorkspacePushScript(input.workspacePath))}
chmod 0700 "$HOME/${SCRIPT_PATH}"
${heredoc(`"$HOME/${UNIT_DIR}/${WORKSPACE_PUSH_UNIT}.service"`, renderWorkspacePushService())}
${heredoc(`"$HOME/${UNIT_DIR}/${WORKSPACE_PUSH_UNIT}.timer"`, renderWorkspacePushTimer(input.pushIntervalSeconds))}
systemctl --user daemon-reload
systemctl --user enable -q ${WORKSPACE_PUSH_UNIT}.timer
systemctl --user restart ${WORKSPACE_PUSH_UNIT}.timer
# Once now, and waited for (a oneshot): a primary that cannot push fails the deploy, not a failover.
if ! systemctl --user start ${WORKSPACE_PUSH_UNIT}.service; then
  journalctl --user -u ${WORKSPACE_PUSH_UNIT}.service -n 5 --no-pager -o cat >&2 || true
  fail "the first workspace push failed (above); the timer stays installed and retries"
fi
echo "workspace push every ${input.pushIntervalSeconds} s installed for $ws"
${OPENCLAW_CLI}
if [[ -z $openclaw ]]; then
  echo "failover-gateway primary side: warning: no openclaw command on PATH for this SSH login: enable the admin-http-rpc plugin by hand (README, prerequisite 1)" >&2
elif [[ $(oc config get ${RPC_KEY} 2>/dev/null) != true ]]; then
  cp -p "$config" "$config.before-failover-gateway" || fail "cannot keep a copy of $config beside it"
  oc config set ${RPC_KEY} true >/dev/null || fail "openclaw config set ${RPC_KEY} true failed in $config"
  touch "$HOME/${RPC_MARKER}"
  echo "admin-http-rpc plugin enabled in $config for the duplicate-bot guard (the file before: $config.before-failover-gateway)"
fi
`;
}

/**
 * Run by `pulumi destroy`: stops and removes the timer, and switches the admin RPC plugin off
 * again if the install switched it on; the workspace is left as it is.
 */
export function renderPrimarySideUninstall(openclawConfigPath: string): string {
  return `set -euo pipefail
export XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
config=${primaryPathWord(openclawConfigPath)}
${OPENCLAW_CLI}
if [[ -e $HOME/${RPC_MARKER} ]]; then
  if [[ -n $openclaw ]] && oc config set ${RPC_KEY} false >/dev/null; then
    rm -f "$HOME/${RPC_MARKER}"
    echo "admin-http-rpc plugin disabled again in $config"
  else
    echo "failover-gateway primary side: warning: could not disable the admin-http-rpc plugin in $config: set ${RPC_KEY} to false by hand" >&2
  fi
fi
systemctl --user disable -q --now ${WORKSPACE_PUSH_UNIT}.timer 2>/dev/null || true
rm -f "$HOME/${UNIT_DIR}/${WORKSPACE_PUSH_UNIT}.service" "$HOME/${UNIT_DIR}/${WORKSPACE_PUSH_UNIT}.timer" "$HOME/${SCRIPT_PATH}"
systemctl --user daemon-reload 2>/dev/null || true
echo "workspace push removed"
`;
}
