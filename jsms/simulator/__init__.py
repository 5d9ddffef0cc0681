"""The demo's convoys on the road: `jsms simulate` drives the movements in progress (and an
approved one once it is started) along their approved routes, speaking the devices' own wire
formats to JSMS: Traccar Client's OsmAnd protocol over HTTP for the escort vehicles' trackers
and OwnTracks over MQTT (or over HTTP when no broker answers) for the protected persons'
phones, with scripted trouble: a deviation off the corridor and back, an unplanned stop, an
SOS, and a check-in nobody makes.

- :mod:`.route`: where along an approved route a convoy is, in metres, and a point beside it;
- :mod:`.script`: one convoy's drive and its scripted events, as a function of time;
- :mod:`.wire`: the OsmAnd query and the OwnTracks JSON a device sends;
- :mod:`.senders`: HTTP and MQTT clients that send them;
- :mod:`.fleet`: the movements and devices to drive, read from the database and the keys file;
- :mod:`.runner`: the loop.
"""
