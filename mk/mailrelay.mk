# The rig's SMTP relay (Postfix, smtp.golive.test at 10.213.7.9 on golive-net): STARTTLS on
# 587 with a certificate from the CA exported to .rig/mailrelay/ca.pem, no TLS on 25.
.PHONY: mailrelay
mailrelay: images
	$(RIG)/mailrelay.sh up
