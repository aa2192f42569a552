#!/usr/bin/python
# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: file_set
short_description: Directories, files, settings lines and removals applied in one module run
version_added: 0.9.0
description:
  - Creates the O(directories), writes the O(files), sets the O(settings) lines of existing
    files and removes the O(absent) paths, in that order, in one run of one module on the host.
  - The end state is what M(ansible.builtin.file) with C(state=directory),
    M(ansible.builtin.copy) with C(content) and M(ansible.builtin.file) with C(state=absent)
    would leave (and M(ansible.builtin.lineinfile), one run per line, for O(settings)), for a
    fraction of the work. Each of those is one or two module runs per path,
    this is one for the set. Render templates on the controller with
    C(lookup('ansible.builtin.template', ...)).
  - A file whose content differs is replaced atomically, by a temporary file in the same
    directory that gets its owner and mode before the rename; a new file of mode C(0600) is
    never readable by others, not even for an instant. A file whose content is the same keeps
    its inode, and only its owner and mode are set where they differ.
  - Reports C(changed) when any path changed, and which ones in RV(changed_paths), so one
    C(notify) serves the set. Supports check mode and diff mode.
  - SELinux contexts and file attributes (C(chattr)) are left as they are.
author:
  - golive.stack developers (@golive-stack)
options:
  directories:
    description:
      - Directories that must exist, created with their parents when missing.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      owner:
        description: Owner, a name or a numeric id. Left as it is when not given.
        type: str
      group:
        description: Group, a name or a numeric id. Left as it is when not given.
        type: str
      mode:
        description: Octal mode as a string, for example V('0755'). Left as it is when not given.
        type: raw
  files:
    description:
      - Regular files with the given content (UTF-8). Their directory must exist, or be among
        O(directories).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      content:
        description:
          - The whole content of the file.
          - Put secrets in a task of their own with C(no_log=true); the diff shows contents.
        type: str
        required: true
      validate:
        description:
          - A command that must succeed on the new content before it replaces the file, with
            C(%s) where the temporary file's path goes, as in M(ansible.builtin.copy).
          - Run without a shell. When it fails, the file is left as it was and the task fails
            with the command's output; the entries before it are applied already.
        type: str
      force:
        description:
          - When V(false), the file is written only while it does not exist; an existing one is
            left as it is, content, owner and mode (as M(ansible.builtin.copy) with
            O(ansible.builtin.copy#module:force=false)).
        type: bool
        default: true
      owner:
        description: Owner, a name or a numeric id. A new file gets the user the module runs as.
        type: str
      group:
        description: Group, a name or a numeric id. A new file gets that user's group.
        type: str
      mode:
        description: Octal mode as a string, for example V('0600'). A new file gets C(0666) less the umask.
        type: raw
  settings:
    description:
      - Files of C(KEY VALUE) or C(KEY=VALUE) lines (C(/etc/login.defs), a daemon's
        configuration) in which some keys must have a value; the rest of each file stays as it
        is. The file must exist.
      - For each key, the last line that sets it or has it commented out (C(#KEY)) becomes
        C(KEY<separator>VALUE); a key without such a line is appended at the end. This is what
        M(ansible.builtin.lineinfile) leaves with O(ansible.builtin.lineinfile#module:regexp)
        C(^#?\s*KEY\s) (or C(^#?\s*KEY=)) and O(ansible.builtin.lineinfile#module:line) C(KEY<separator>VALUE).
      - The file is replaced atomically, as O(files) are.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      values:
        description: The keys and their values, written as they render (V(True), V(365), V(027)).
        type: dict
        required: true
      separator:
        description:
          - What goes between a key and its value. A blank separator (a space, a tab) matches a
            key followed by any blank; another (V('=')) matches it with blanks around it.
        type: str
        default: " "
      owner:
        description: Owner, a name or a numeric id. Left as it is when not given.
        type: str
      group:
        description: Group, a name or a numeric id. Left as it is when not given.
        type: str
      mode:
        description: Octal mode as a string, for example V('0600'). Left as it is when not given.
        type: raw
  absent:
    description:
      - Paths that must not exist. A directory is removed with its content.
    type: list
    elements: path
    default: []
  test:
    description:
      - A command that tests the O(directories), O(files) and O(settings) together once they are
        all in place, for example V(nginx -t -q). Run without a shell, and only when something
        changed; not in check mode.
      - When it fails, every path this run changed is put back as it was (content, owner and
        mode; what it created is removed) and the task fails with the command's output and the
        paths in C(restored). The O(absent) paths are removed only after the test passed.
    type: str
attributes:
  check_mode:
    description: Reports what would change and changes nothing.
    support: full
  diff_mode:
    description: Shows each file's content before and after, and owner, group and mode where they change.
    support: full
notes:
  - O(test) makes the set one transaction, the way a web server's configuration is changed.
    Without it, a failure part way leaves the entries before it applied.
  - A path that exists with another type (a directory where a file is asked for) fails the
    task; nothing is replaced by something of another kind.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
"""

EXAMPLES = r"""
- name: Backup tool, its command and directories
  golive.stack.file_set:
    directories:
      - {path: /usr/local/lib/golive, owner: root, group: root, mode: "0755"}
      - {path: /var/backups/golive, owner: root, group: root, mode: "0700"}
    files:
      - path: /usr/local/lib/golive/golive_pg_backup.py
        content: "{{ lookup('ansible.builtin.file', 'golive_pg_backup.py', rstrip=false) }}"
        owner: root
        group: root
        mode: "0644"
      - path: /etc/needrestart/conf.d/60-golive.conf
        content: "{{ lookup('ansible.builtin.template', 'needrestart.conf.j2') }}"
        mode: "0644"
    absent:
      - /etc/golive/backup/shop.env
  notify: Reload systemd

- name: Account defaults and a daemon's policy, one run for both files
  golive.stack.file_set:
    settings:
      - path: /etc/login.defs
        values: {UMASK: "027", PASS_MAX_DAYS: 365}
        separator: "\t"
      - path: /etc/usbguard/usbguard-daemon.conf
        values: {ImplicitPolicyTarget: block, IPCAllowedGroups: root}
        separator: "="
        mode: "0600"
"""

RETURN = r"""
changed_paths:
  description: The paths that were (or in check mode would be) created, changed or removed, in order.
  returned: always
  type: list
  elements: str
  sample: [/var/backups/golive, /etc/golive/backup/shop.env]
restored:
  description: The paths put back as they were because the O(test) failed (the task fails).
  returned: when the test failed
  type: list
  elements: str
  sample: [/etc/nginx/conf.d/golive-shop.conf]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.golive.stack.plugins.module_utils import _file_set


def main() -> None:
    module = AnsibleModule(argument_spec=_file_set.ARGUMENT_SPEC, supports_check_mode=True)
    module.exit_json(**_file_set.apply(module))


if __name__ == "__main__":
    main()
