# Backups: the test keys of the backup checks (age), kept in .rig/backup/.
.PHONY: backup-keys
backup-keys:
	$(RIG)/backup-keys.sh
