"""Inside each hardened host (testinfra, once per host)."""

from __future__ import annotations

import re


def sshd_effective(host) -> dict[str, str]:
    out = host.check_output("sudo /usr/sbin/sshd -T")
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def test_keys_only_no_root(host):
    eff = sshd_effective(host)
    assert eff["passwordauthentication"] == "no"
    assert eff["kbdinteractiveauthentication"] == "no"
    assert eff["permitrootlogin"] == "no"
    assert eff["authenticationmethods"] == "publickey"


def test_golive_dropin_sorts_first_and_cloud_init_loses(host):
    files = host.check_output("ls /etc/ssh/sshd_config.d").split()
    assert files[0] == "00-golive.conf"
    assert "50-cloud-init.conf" in files  # still there (prepare.yml), and overridden
    assert host.file("/etc/ssh/sshd_config.d/00-golive.conf").mode == 0o644


def test_mac_and_kex_lists_follow_the_openssh_version(host):
    eff = sshd_effective(host)
    assert all(mac.endswith("-etm@openssh.com") for mac in eff["macs"].split(","))
    version = re.search(r"OpenSSH_(\d+)\.(\d+)", host.run("ssh -V").stderr)
    if (int(version[1]), int(version[2])) >= (9, 9):
        assert eff["kexalgorithms"].split(",")[0] == "mlkem768x25519-sha256"
        assert "curve25519-sha256" not in eff["kexalgorithms"].split(",")  # post-quantum only
    else:
        assert eff["kexalgorithms"].split(",")[0] == "sntrup761x25519-sha512"


def test_rsa_host_key_is_4096_bits_and_ecdsa_not_offered(host):
    assert host.check_output("ssh-keygen -lf /etc/ssh/ssh_host_rsa_key.pub").split()[0] == "4096"
    lines = host.check_output("sudo /usr/sbin/sshd -T").splitlines()
    hostkeys = [line.split(" ", 1)[1] for line in lines if line.startswith("hostkey ")]
    assert sorted(hostkeys) == ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"]


def test_diffie_hellman_only_with_large_groups(host):
    kex = sshd_effective(host)["kexalgorithms"].split(",")
    if any(k.startswith("diffie-hellman-group-exchange") for k in kex):
        # group exchange picks from /etc/ssh/moduli; 5th field: size minus one
        small = host.check_output("awk '!/^#/ && $5 < 3071' /etc/ssh/moduli | wc -l")
        assert int(small) == 0
    else:  # the post-quantum profile offers no finite-field Diffie-Hellman at all
        assert not [k for k in kex if k.startswith("diffie-hellman")]


def test_no_revert_pending_and_no_backup_left(host):
    assert host.check_output("systemctl list-timers --all --no-legend 'golive-sshd-revert-*' | wc -l") == "0"
    assert host.check_output("sudo find /etc/ssh /etc/systemd/system -name '*~' | wc -l") == "0"


def test_socket_activation_kept_where_it_was_chosen(host):
    socket_host = host.backend.get_hostname() == "hard13"
    assert host.service("ssh.socket").is_running is socket_host
    if socket_host:
        dropin = host.file("/etc/systemd/system/ssh.socket.d/00-golive.conf")
        assert dropin.contains("^ListenStream=22$")


def test_firewall_and_fail2ban_run_and_start_at_boot(host):
    for unit in ("ufw", "fail2ban"):
        assert host.service(unit).is_enabled
    assert host.service("fail2ban").is_running
    assert "Status: active" in host.check_output("sudo ufw status")


def test_security_suite_is_among_the_apt_sources(host):
    # the rig's debootstrap images name only the main suite: base adds the security one
    codename = host.check_output(". /etc/os-release && echo $VERSION_CODENAME")
    suites = host.check_output("apt-get indextargets --format '$(RELEASE)'").split()
    assert f"{codename}-security" in suites
    # one-line form, which auditors (Lynis PKGS-7388) recognise; the deb822 file of
    # earlier versions is gone, so the suite is named once
    assert host.file("/etc/apt/sources.list.d/golive-security.list").contains(f" {codename}-security ")
    assert not host.file("/etc/apt/sources.list.d/golive-security.sources").exists
