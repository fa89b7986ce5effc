"""Consent-based recording on a tenant's own NGINX RTMP server (MedCom does not record centrally).

`urls` is what the operator and the recorder must agree on: the RTMP address a room's automatic
participant dials, with the stream key in the application name. `nginx` renders the recorder's
configuration and its companion scripts (moving finished recordings into a folder per room and
date, deleting them after the retention days) from jinja2 templates. Both are pure. See
docs/recording.md.
"""
