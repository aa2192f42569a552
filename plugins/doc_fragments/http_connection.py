# Copyright: golive.stack developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the modules that send HTTP(S) requests to a site from where they run."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  connect_to:
    description:
      - Connect to this host name or IP address instead of the URL's host, like C(curl --resolve);
        the URL's host stays the TLS server name (SNI) and the C(Host) header.
      - V(HOST:PORT) (or V([IPV6]:PORT)) also replaces the URL's port.
      - Applies only to requests to the URL's host (a redirect or a file on another host goes
        to that host).
    type: str
  headers:
    description: Extra request headers. A C(Host) entry replaces the URL's host in the header only.
    type: dict
    default: {}
  timeout:
    description: Seconds to wait for each connection and for each read.
    type: float
    default: 10
  validate_certs:
    description:
      - Validate HTTPS certificates (chain and host name) against O(ca_path) or the system trust store.
    type: bool
    default: true
  ca_path:
    description: CA bundle file (or hashed directory) to validate against instead of the system trust store.
    type: path
"""
