# The rig's off-site backup target (restic over SFTP, offsite.golive.test at 10.213.7.8 on
# golive-net), with client key, password, known_hosts and repository exported to .rig/offsite/.
.PHONY: offsite
offsite: images
	$(RIG)/offsite.sh up
