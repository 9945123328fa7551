"""Server-Sent Events as the mock sends them: one event and its wire form (``events``), writing a stream
of them with pacing and the output check (``writer``), and the faults a rule can put into a stream
(``faults``). A service, not an extension: the stream formats (``mock.streaming``), replayed recordings
(``mock.replay``), the rules and the answers' token counting use it alike."""
