import PasswordlessCore
import Testing

/// The search's `q` and paging, as pure parsing: what each form asks for, and what is refused.
@Suite("User search parsing")
struct UserQueryTests {
    typealias Term = UserQuery.Term

    @Test func exactTermsAreNormalisedAsTheStartRouteNormalisesThem() throws {
        #expect(
            try UserQuery.parse("email:\"Ada@Example.COM\"")
                == UserQuery(fields: [.email], terms: [Term("ada@example.com", isPrefix: false)]))
        #expect(
            try UserQuery.parse(" email:ada@example.com ") == UserQuery(fields: [.email], terms: [Term("ada@example.com", isPrefix: false)])
        )
        #expect(
            try UserQuery.parse("phone_number:\"+1 (415) 555-0100\"")
                == UserQuery(fields: [.phoneNumber], terms: [Term("+14155550100", isPrefix: false)]))
    }

    @Test func wildcardsAndBareTermsArePrefixes() throws {
        #expect(try UserQuery.parse("email:Ad*") == UserQuery(fields: [.email], terms: [Term("ad", isPrefix: true)]))
        #expect(try UserQuery.parse("phone_number:+1 415*") == UserQuery(fields: [.phoneNumber], terms: [Term("+1415", isPrefix: true)]))
        #expect(try UserQuery.parse("Ada") == UserQuery(fields: [.email, .phoneNumber], terms: [Term("ada", isPrefix: true)]))
        #expect(try UserQuery.parse("+1415*") == UserQuery(fields: [.email, .phoneNumber], terms: [Term("+1415", isPrefix: true)]))
        #expect(
            try UserQuery.parse("1415")
                == UserQuery(fields: [.email, .phoneNumber], terms: [Term("1415", isPrefix: true), Term("+1415", isPrefix: true)]))
        #expect(try UserQuery.parse(nil) == nil)
        #expect(try UserQuery.parse("   ") == nil)
    }

    @Test(arguments: [
        "nickname:ada", "ada AND bob", "ada bob", "email:*ada", "email:a*a*", "email:\"\"", "email:\"ada\"", "phone_number:\"12\"",
        "phone_number:abc*", "\"ada", "ada\u{7}",
    ])
    func whatItCannotSearchIsRefused(_ text: String) {
        #expect(throws: UserSearchError.self) { try UserQuery.parse(text) }
    }

    @Test func pagesStayWithinAuth0sWindow() throws {
        let first = try UserPage(page: nil, perPage: nil)
        #expect(first.offset == 0 && first.limit == 50)
        let last = try UserPage(page: "33", perPage: "30")
        #expect(last.offset == 990 && last.limit == 10, "the window's last page is short")
        #expect(throws: UserSearchError(.page, "must be 0 or more (pages count from 0)")) { try UserPage(page: -1) }
        #expect(throws: UserSearchError.self) { try UserPage(page: "1e3", perPage: nil) }
        #expect(throws: UserSearchError.self) { try UserPage(page: nil, perPage: "101") }
        #expect(throws: UserSearchError.self) { try UserPage(page: 10, perPage: 100) }
        #expect(throws: UserSearchError.self) { try UserPage(page: "99999999999999", perPage: nil) }
        // A page whose offset overflows an Int is refused, not a crash.
        #expect(throws: UserSearchError.self) { try UserPage(page: String(Int.max / 2), perPage: "100") }
    }
}
