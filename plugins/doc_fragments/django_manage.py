# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the modules that run manage.py in a one-off Compose container."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  project_src:
    description: Project directory of the Compose project (C(--project-directory)).
    type: path
    required: true
  project_name:
    description: Compose project name (C(-p)).
    type: str
    required: true
  files:
    description: Compose files (C(-f)), in order. Compose's own defaults when omitted.
    type: list
    elements: path
  service:
    description: The Compose service whose image and settings the one-off container uses.
    type: str
    default: web
  env:
    description:
      - Extra environment variables for the one-off container.
      - Values are handed to Compose through its environment, never on its command line,
        and are not logged.
    type: dict
    default: {}
  docker_cli:
    description: The Docker CLI (name on E(PATH) or absolute path); it must have the Compose v2 plugin.
    type: str
    default: docker
  python:
    description: Python interpreter inside the container.
    type: str
    default: python3
  manage_py:
    description: Path of C(manage.py) inside the container, relative to its working directory.
    type: str
    default: manage.py
"""

    # Modules that work on one database: extends_documentation_fragment golive.stack.django_manage.database
    DATABASE = r"""
options:
  database:
    description: Django database alias.
    type: str
    default: default
"""
