"""Record a venue session at the transport layer and replay it through the same connector code.

A bot that records itself (docs/recording.md, "Recording yourself")::

    from hummingbot_conn.recording import Recorder, replay_file

    recorder = Recorder("session.hbrec.zst", venue="binance", pairs=["BTC-USDT"],
                        options={"endpoints": endpoints_options(endpoints), "trading_required": True})
    with recorder.capture():
        connector = BinanceExchange(key, secret, trading_pairs=["BTC-USDT"], domain=endpoints)
    recorder.watch(connector)
    ...                                   # trade
    await connector.stop_network()
    await recorder.aclose()

    result = replay_file("session.hbrec.zst")   # on virtual time, through the same connector
    print(result.digest)

``Recorder`` (the capture, a ``TransportTap``), ``ReplayTransport`` (the recording as
the transport), ``VirtualTimeLoop``, ``replay_file`` / ``ReplayResult``,
``RecordingReader`` / ``RecordingError``, ``export_parquet`` and ``serve_recording``.
"""
from hummingbot_conn.recording.digest import end_state, state_digest
from hummingbot_conn.recording.file_format import Header, RecordingError, RecordingReader, read_header
from hummingbot_conn.recording.recorder import Recorder
from hummingbot_conn.recording.replay import LoadedRecording, ReplayResult, load_recording, replay_file
from hummingbot_conn.recording.replay_transport import ReplayMiss, ReplayTransport
from hummingbot_conn.recording.venues import endpoints_options
from hummingbot_conn.recording.virtual_time import VirtualTimeLoop

__all__ = ["Recorder", "ReplayTransport", "ReplayMiss", "VirtualTimeLoop", "replay_file", "load_recording",
           "ReplayResult", "LoadedRecording", "RecordingReader", "RecordingError", "Header", "read_header",
           "end_state", "state_digest", "endpoints_options"]
