import Foundation
import Testing
@testable import Events

/// Writes `contents` to a temporary file named `name`, reads it, removes it.
private func read(_ name: String, _ contents: String, format: InteractionFileFormat? = nil) throws -> [Event] {
    let file = try TempFile(name, contents)
    defer { file.remove() }
    return try InteractionFileReader.read(path: file.path, format: format)
}

/// The error reading `contents` gives.
private func readError(_ name: String, _ contents: String, format: InteractionFileFormat? = nil) throws -> InteractionFileError? {
    let file = try TempFile(name, contents)
    defer { file.remove() }
    do {
        _ = try InteractionFileReader.read(path: file.path, format: format)
        return nil
    } catch {
        return error
    }
}

@Suite("InteractionFileReader")
struct InteractionFileReaderTests {
    @Test("MovieLens ratings.dat: seconds become milliseconds, sorted by time")
    func movielens() throws {
        let events = try read("ratings.dat", "1::10::5::978300760\r\n2::20::3.5::978300000\r\n\n1::30::4::978300760\r\n")
        #expect(events == [
            Event(user: "2", item: "20", type: .rating, value: 3.5, timestampMs: 978_300_000_000),
            Event(user: "1", item: "10", type: .rating, value: 5, timestampMs: 978_300_760_000),
            Event(user: "1", item: "30", type: .rating, value: 4, timestampMs: 978_300_760_000),
        ])
    }

    @Test("u.data tab format")
    func tab() throws {
        let events = try read("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n")
        #expect(events.map(\.item) == ["242", "302"])
        #expect(events[0] == Event(user: "196", item: "242", type: .rating, value: 3, timestampMs: 881_250_949_000))
    }

    @Test("CSV with header aliases, quotes, CRLF and seconds or milliseconds")
    func csv() throws {
        let seconds = try read("r.csv", "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n\"u,2\",\"i \"\"x\"\"\",0.5,964982000\r\n")
        #expect(seconds == [
            Event(user: "u,2", item: "i \"x\"", type: .rating, value: 0.5, timestampMs: 964_982_000_000),
            Event(user: "1", item: "1", type: .rating, value: 4, timestampMs: 964_982_703_000),
        ])
        let millis = try read("clicks.txt", "SessionId\tItemId\tTime\n1\t214536502\t1396860669277\n")
        #expect(millis == [Event(user: "1", item: "214536502", type: .click, timestampMs: 1_396_860_669_277)])
        let decimal = try read("c.csv", "user_id;item_id;ts\na;b;1396860669.277\n")
        #expect(decimal[0].timestampMs == 1_396_860_669_277)
        let noTime = try read("n.csv", "UserId,ItemId\nx,y\nx,z\n")
        #expect(noTime.map(\.timestampMs) == [0, 1_000])
        #expect(noTime.map(\.type) == [.click, .click])
    }

    @Test("JSON lines use the schema v1 decoder; missing ts follows line order")
    func jsonl() throws {
        let events = try read("e.jsonl", #"{"user":"a","item":"b","ts":5000}"# + "\n" + #"{"user":"a","item":"c"}"# + "\n")
        #expect(events == [
            Event(user: "a", item: "c", type: .click, timestampMs: 1_000),
            Event(user: "a", item: "b", type: .click, timestampMs: 5_000),
        ])
    }

    @Test("sequence lines give increasing synthetic timestamps in file order")
    func sequence() throws {
        let events = try read("Beauty.txt", "1 1 2 3\n2 4 1\r\n")
        #expect(events.map(\.user) == ["1", "1", "1", "2", "2"])
        #expect(events.map(\.item) == ["1", "2", "3", "4", "1"])
        #expect(events.map(\.timestampMs) == [0, 1_000, 2_000, 3_000, 4_000])
        #expect(events.allSatisfy { $0.type == .click && $0.value == nil })
    }

    @Test("format detection by name and first line")
    func detection() throws {
        let cases: [(String, String, InteractionFileFormat)] = [
            ("ratings.dat", "1::2::3::4\n", .movielens),
            ("u.data", "1\t2\t3\t4\n", .tab),
            ("ratings.csv", "userId,movieId,rating,timestamp\n", .csv),
            ("clicks.txt", "SessionId\tItemId\tTime\n", .csv),
            ("events.jsonl", "", .jsonl),
            ("events.log", "{\"user\":\"a\"}\n", .jsonl),
            ("Beauty.txt", "1 1 2 3\n", .sequence),
        ]
        for (name, contents, expected) in cases {
            let file = try TempFile(name, contents)
            defer { file.remove() }
            #expect(try InteractionFileReader.detectFormat(path: file.path) == expected, "\(name)")
        }
        #expect(throws: InteractionFileError.self) { try InteractionFileReader.detectFormat(path: "/nonexistent/x.csv") }
    }

    @Test("bad lines name the file and line number", arguments: [
        ("u.data", "1\t2\t3\t4\n1\t2\tx\t4\n", 2, "rating 'x' is not a finite number"),
        ("u.data", "1\t2\t3\t4\n\n1\n", 3, "expected 2 to 4 fields (user, item, rating, timestamp), found 1"),
        ("ratings.dat", "1::2::3::-5\n", 1, "timestamp '-5' is out of range"),
        ("r.csv", "userId,itemId\n1,2\n1,2,3\n", 3, "expected 2 fields, found 3"),
        ("r.csv", "userId,itemId\n,2\n", 2, "empty user id"),
        ("e.jsonl", "{\"user\":\"a\",\"item\":\"b\"}\n{\"user\":\"a\"}\n", 2, "missing_field: field 'item' is missing"),
    ])
    func badLines(name: String, contents: String, line: Int, message: String) throws {
        let error = try #require(try readError(name, contents))
        #expect(error.code == .badLine)
        #expect(error.line == line)
        #expect(error.message == message)
        #expect(error.description.hasSuffix("\(name):\(line): \(message)"))
    }

    @Test("CSV without an item column is a header error")
    func badHeader() throws {
        let error = try #require(try readError("r.csv", "userId,rating\n1,2\n"))
        #expect(error.code == .badHeader)
        #expect(error.line == 1)
    }

    @Test("streaming variant yields events in file order")
    func streaming() throws {
        let file = try TempFile("u.data", "1\t2\t3\t20\n1\t3\t3\t10\n")
        defer { file.remove() }
        var items: [String] = []
        try InteractionFileReader.forEachEvent(path: file.path) { items.append($0.item) }
        #expect(items == ["2", "3"])
    }
}

@Suite("Datasets", .serialized)
struct DatasetTests {
    @Test("ml-100k u.data gives 100,000 events and 943 users")
    func ml100k() throws {
        guard let root = datasetsDirectory() else {
            print("skipped: shared/datasets not found beside the checkout")
            return
        }
        let path = root + "/ml-100k/u.data"
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipped: \(path) not found")
            return
        }
        let events = try InteractionFileReader.read(path: path)
        #expect(events.count == 100_000)
        #expect(Set(events.map(\.user)).count == 943)
        #expect(Set(events.map(\.item)).count == 1_682)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.timestampMs <= $1.timestampMs })
        #expect(events.allSatisfy { $0.type == .rating && (1...5).contains($0.value ?? 0) })
    }

    @Test("ml-latest-small ratings.csv (CRLF) and Beauty.txt read completely")
    func otherFiles() throws {
        guard let root = datasetsDirectory() else {
            print("skipped: shared/datasets not found beside the checkout")
            return
        }
        let csv = root + "/ml-latest-small/ratings.csv"
        if FileManager.default.fileExists(atPath: csv) {
            let events = try InteractionFileReader.read(path: csv)
            #expect(events.count == 100_836)
            #expect(Set(events.map(\.user)).count == 610)
        } else {
            print("skipped: \(csv) not found")
        }
        let beauty = root + "/amazon-beauty-s3rec/Beauty.txt"
        if FileManager.default.fileExists(atPath: beauty) {
            let events = try InteractionFileReader.read(path: beauty)
            #expect(events.count == 198_502)
            #expect(Set(events.map(\.user)).count == 22_363)
        } else {
            print("skipped: \(beauty) not found")
        }
    }
}
