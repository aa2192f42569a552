# The rig's ACME server (Pebble, acme.golive.test at 10.213.7.7 on golive-net), with its
# listener CA, directory URL and current issuing root exported to .rig/pebble/.
.PHONY: pebble pebble-check
pebble: images
	$(RIG)/pebble.sh up

# certbot on a throwaway systemd host (golive-acmetest, 10.213.7.47): issue by HTTP-01, renew.
pebble-check: pebble
	$(RIG)/pebble-check.sh
