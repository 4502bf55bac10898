#!/usr/bin/env bash
# Makes sure the Debian packages that the tests, the drill and the bench run are installed: the
# one list of them. Missing ones are installed when running as root; otherwise it stops with one
# line naming them. Nothing is ever skipped because a tool is missing.
set -euo pipefail

# command-that-proves-it:package, and why it is needed.
required=(
  git:git                         # workspace sync, the chaos suite's git remote
  cloud-init:cloud-init           # `cloud-init schema` validates the rendered user-data
  shellcheck:shellcheck           # lints every rendered shell script
  systemd-analyze:systemd         # `systemd-analyze verify` and `security` on the rendered units
  systemd-notify:systemd          # the sd_notify tests
  nft:nftables                    # packet loss in the chaos suite
  ip:iproute2                     # network namespaces of the chaos suite
  python3:python3                 # the sd_notify receiver in the tests
  curl:curl                       # the droplet lab's probes from the lab host
  debootstrap:debootstrap         # builds the droplet lab's image
  systemd-nspawn:systemd-container  # boots it as a system container
  qemu-system-x86_64:qemu-system-x86  # and as a VM
  qemu-img:qemu-utils             # the VM's copy-on-write disk
  mkfs.ext4:e2fsprogs             # the VM's disk image, built from a folder
  genisoimage:genisoimage         # the VM's NoCloud seed (cidata)
  ssh:openssh-client              # the deploy over SSH, as `pulumi up` does it; the destroy step's SSH
  sshd:openssh-server             # the sshd on loopback that the destroy step's SSH is tested against
  dpkg-deb:dpkg                   # the tailscale stand-in package in the image
)

missing=()
for pair in "${required[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
((${#missing[@]})) || exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing Debian packages: ${missing[*]} (run as root to install them, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; stale ones are refreshed once if the install fails.
compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq >&2
install() { apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
install || { apt-get update -qq >&2 && install; }
