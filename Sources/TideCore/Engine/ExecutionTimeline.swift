import Foundation

/// An execution's events and messages, and how much of them is committed.
///
/// This is the one gate between what happened and what is reported: every read it offers returns
/// only the committed prefix. An execution without a journal commits each entry as it is appended;
/// a journaled one commits a prefix when its journal says the prefix is durable
/// (``commit(upTo:)``). After a failed commit the rest is never committed, so it is never reported.
///
/// Event ids are sequence numbers; a resumed execution's timeline starts after the last event of the
/// run before (``baseSequence``).
struct ExecutionTimeline: Sendable {
    /// A position in the timeline: how many events and messages precede it.
    struct Mark: Sendable, Equatable {
        var events: Int
        var messages: Int
    }

    /// Whether entries are committed as they are appended (no journal).
    let commitsOnAppend: Bool
    private(set) var events: [ExecutionEvent] = []
    private(set) var messages: [ExecutionMessage] = []
    /// The sequence number of the event before the first one held here.
    private(set) var baseSequence: Int
    /// The number of messages recorded before the first one held here.
    private(set) var baseMessageSequence: Int
    /// The committed prefix.
    private(set) var committed = Mark(events: 0, messages: 0)
    /// Once sealed (the final event is recorded), nothing more is appended.
    private(set) var isSealed = false

    init(commitsOnAppend: Bool, capacity: Int) {
        self.commitsOnAppend = commitsOnAppend
        self.baseSequence = 0
        self.baseMessageSequence = 0
        events.reserveCapacity(capacity)
    }

    /// The id the next event gets.
    var nextSequence: Int { baseSequence + events.count + 1 }

    /// The position after everything appended so far.
    var end: Mark { Mark(events: events.count, messages: messages.count) }

    /// Continues the numbering of a timeline recorded before (a resume). Only before any append.
    mutating func continueAfter(eventSequence: Int, messageCount: Int) {
        precondition(events.isEmpty && messages.isEmpty, "continueAfter: the timeline already has entries")
        baseSequence = eventSequence
        baseMessageSequence = messageCount
    }

    /// Appends an event; returns it, or `nil` once sealed.
    mutating func append(
        _ type: ExecutionEventType, _ description: String?, taskId: String?, data: JSONValue?, at date: Date
    ) -> ExecutionEvent? {
        guard !isSealed else { return nil }
        // Ids are sequence numbers, unique within the execution (and short: no allocation).
        var event = ExecutionEvent(id: String(nextSequence), type: type, timestamp: date, taskId: taskId, data: data)
        if let description { event.description = description }
        events.append(event)
        if commitsOnAppend { committed.events = events.count }
        return event
    }

    /// Appends a message; returns `false` once sealed.
    mutating func append(_ message: ExecutionMessage) -> Bool {
        guard !isSealed else { return false }
        messages.append(message)
        if commitsOnAppend { committed.messages = messages.count }
        return true
    }

    /// Nothing more is appended after this (the final event was recorded).
    mutating func seal() { isSealed = true }

    /// Opens the timeline again after a restore from a checkpoint.
    mutating func unseal() { isSealed = false }

    /// Marks everything before `mark` committed; returns the entries that became committed.
    mutating func commit(upTo mark: Mark) -> (events: [ExecutionEvent], messages: [ExecutionMessage]) {
        let eventEnd = min(mark.events, events.count)
        let messageEnd = min(mark.messages, messages.count)
        let newEvents = committed.events < eventEnd ? Array(events[committed.events..<eventEnd]) : []
        let newMessages = committed.messages < messageEnd ? Array(messages[committed.messages..<messageEnd]) : []
        committed.events = max(committed.events, eventEnd)
        committed.messages = max(committed.messages, messageEnd)
        return (newEvents, newMessages)
    }

    // MARK: - Reads (committed only)

    /// The committed events, in order.
    var committedEvents: ArraySlice<ExecutionEvent> { events[..<committed.events] }

    /// The committed messages, in order.
    var committedMessages: ArraySlice<ExecutionMessage> { messages[..<committed.messages] }

    /// The committed events after sequence number `sequence`.
    func committedEvents(after sequence: Int) -> [ExecutionEvent] {
        let start = min(max(sequence - baseSequence, 0), committed.events)
        return Array(events[start..<committed.events])
    }

    /// The committed messages after the first `count` held here.
    func committedMessages(after count: Int) -> [ExecutionMessage] {
        Array(messages[min(max(count, 0), committed.messages)..<committed.messages])
    }

    /// The committed entries from `mark` on.
    func committed(from mark: Mark) -> (events: [ExecutionEvent], messages: [ExecutionMessage]) {
        (
            Array(events[min(mark.events, committed.events)..<committed.events]),
            Array(messages[min(mark.messages, committed.messages)..<committed.messages])
        )
    }

    // MARK: - For the journal

    /// Entries appended from `mark` on, committed or not: what the next batch writes.
    func entries(from mark: Mark) -> (events: ArraySlice<ExecutionEvent>, messages: ArraySlice<ExecutionMessage>) {
        (events[min(mark.events, events.count)...], messages[min(mark.messages, messages.count)...])
    }

    /// The message sequence number (1-based, across resumes) of the message at `index`.
    func messageSequence(at index: Int) -> Int { baseMessageSequence + index + 1 }
}
