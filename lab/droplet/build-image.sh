#!/usr/bin/env bash
# Builds the droplet stand-in once into a cache folder: a Debian 13 (trixie) system from Debian's
# mirror with what a DigitalOcean Ubuntu 24.04 image brings (systemd, cloud-init, sshd, polkit,
# ufw, fail2ban, unattended-upgrades, a kernel for the VM), plus the lab's edges:
#   - cloud-init reads only the NoCloud seed the lab writes;
#   - apt and the bootstrap's npm reach Debian's mirror and the npm registry through the lab's
#     egress proxy on the lab link (the guest has no other route out);
#   - the `tailscale` package is the lab's stand-in (lab/droplet/guest/), so the bootstrap finds it
#     installed: Tailscale's apt repository and control plane are not reachable from here;
#   - a Node dist folder (tarball and its SHA-256) the lab's file server serves in nodejs.org's layout.
# Prints the image folder on stdout. Usage: build-image.sh CACHE_DIR NODE_BIN_DIR NODE_VERSION
set -euo pipefail

cache=$1 node_dir=$2 node_version=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE=trixie
MIRROR=http://deb.debian.org/debian
NPM_VERSION=11.19.1
PROXY=http://169.254.77.1:3128
PACKAGES=(
  systemd systemd-sysv systemd-resolved dbus libpam-systemd libnss-systemd udev
  cloud-init openssh-server sudo polkitd ufw fail2ban unattended-upgrades locales
  linux-image-amd64 ca-certificates curl gnupg xz-utils git python3-systemd
  iproute2 iptables nftables netbase procps less e2fsprogs
)

# CA certificates this machine trusts beyond Debian's (a TLS-inspecting egress, where there is
# one): the guest's apt, curl and npm go out through the same egress and must trust them too.
host_cas=(/usr/local/share/ca-certificates/*.crt)
[[ -e ${host_cas[0]} ]] || host_cas=()

# The image is rebuilt when this script, the guest files, the CAs or the Node version change.
key=$( (cat "${BASH_SOURCE[0]}" "$here"/guest/* "${host_cas[@]}"; echo "$node_version") | sha256sum | cut -c1-16)
image="$cache/droplet-$SUITE-$key"
if [[ -f $image/ready ]]; then echo "$image"; exit 0; fi
log() { echo "lab image: $*" >&2; }
rm -rf "$image" "$image.tmp"
mkdir -p "$image.tmp"
root="$image.tmp/rootfs"

log "debootstrap $SUITE from $MIRROR (about 2 min)"
# debootstrap stops at python3-cryptography's virtual python3-cffi-backend-api-* dependencies;
# apt resolves them right after.
if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${PACKAGES[*]}")" "$SUITE" "$root" "$MIRROR" \
  >"$image.tmp/debootstrap.log" 2>&1; then
  log "debootstrap reported errors; letting apt finish the configuration"
fi
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -q >>"$image.tmp/debootstrap.log" 2>&1
for pkg in "${PACKAGES[@]}"; do
  # shellcheck disable=SC2016 # ${Status} is dpkg-query's format, not the shell's
  chroot "$root" dpkg-query -W -f='${Status}\n' "$pkg" | grep -q '^install ok installed$' ||
    { log "package $pkg did not install (see $image.tmp/debootstrap.log)"; exit 1; }
done

log "the tailscale stand-in package"
pkg="$image.tmp/tailscale-standin"
install -D -m 0755 "$here/guest/tailscale" "$pkg/usr/bin/tailscale"
install -D -m 0755 "$here/guest/tailscaled" "$pkg/usr/sbin/tailscaled"
install -D -m 0644 "$here/guest/tailscaled.service" "$pkg/usr/lib/systemd/system/tailscaled.service"
install -d "$pkg/DEBIAN"
cat >"$pkg/DEBIAN/control" <<EOF
Package: tailscale
Version: 0.0.0-lab
Architecture: amd64
Maintainer: failover-gateway lab <lab@failover-gateway.invalid>
Depends: curl, iproute2
Description: failover-gateway lab stand-in for the Tailscale client (not the real one)
EOF
dpkg-deb --root-owner-group --build "$pkg" "$root/tmp/tailscale-standin.deb" >/dev/null
chroot "$root" dpkg -i /tmp/tailscale-standin.deb >/dev/null
rm -f "$root/tmp/tailscale-standin.deb"

log "first-boot state, NoCloud only, the egress proxy"
rm -f "$root"/etc/ssh/ssh_host_*
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
printf 'datasource_list: [NoCloud, None]\n' >"$root/etc/cloud/cloud.cfg.d/90-lab-datasource.cfg"
printf 'Acquire::http::Proxy "%s";\n' "$PROXY" >"$root/etc/apt/apt.conf.d/00lab-proxy"
if ((${#host_cas[@]})); then
  cp "${host_cas[@]}" "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null
fi
# Only cloud-init (the bootstrap: curl, npm) sees the proxy; the services do not. cloud-init 25
# runs every stage in cloud-init-main.service, older ones in a service per stage.
for unit in cloud-init-main cloud-final; do
  install -d "$root/etc/systemd/system/$unit.service.d"
  printf '[Service]\nEnvironment=https_proxy=%s no_proxy=169.254.77.0/24,100.64.0.0/10,localhost,127.0.0.1 NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt\n' \
    "$PROXY" >"$root/etc/systemd/system/$unit.service.d/lab-proxy.conf"
done
# The VM's serial console, for the lab's boot log.
chroot "$root" systemctl enable serial-getty@ttyS0.service >/dev/null 2>&1
umount "$root/proc"
trap - EXIT

log "the VM disk (ext4 built from the folder, no loop device)"
mkfs.ext4 -q -L lab-root -d "$root" "$image.tmp/disk.img" 6G >&2
kernels=("$root"/boot/vmlinuz-*) initrds=("$root"/boot/initrd.img-*)
cp "${kernels[0]}" "$image.tmp/vmlinuz"
cp "${initrds[0]}" "$image.tmp/initrd.img"

log "Node $node_version in nodejs.org's layout, with npm $NPM_VERSION"
dist="$image.tmp/node-dist/v$node_version"
name="node-v$node_version-linux-x64"
stage="$image.tmp/$name"
install -d "$dist" "$stage/bin" "$stage/lib/node_modules"
cp -r "$node_dir/bin/node" "$stage/bin/"
cp -r "$node_dir/include" "$node_dir/share" "$stage/"
(cd "$image.tmp" && PATH="$node_dir/bin:$PATH" npm pack --silent "npm@$NPM_VERSION" >/dev/null)
tar -xzf "$image.tmp/npm-$NPM_VERSION.tgz" -C "$stage/lib/node_modules" && mv "$stage/lib/node_modules/package" "$stage/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/bin/npx"
XZ_OPT=-T0 tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$image.tmp" -cJf "$dist/$name.tar.xz" "$name"
(cd "$dist" && sha256sum "$name.tar.xz" >SHASUMS256.txt)
rm -rf "$stage" "$image.tmp/npm-$NPM_VERSION.tgz" "$pkg"

touch "$image.tmp/ready"
mv "$image.tmp" "$image"
# Older builds of the image are of no use any more.
find "$cache" -maxdepth 1 -name "droplet-$SUITE-*" ! -path "$image" -exec rm -rf {} +
log "ready: $image"
echo "$image"
