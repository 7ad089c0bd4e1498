import AWSCore
import JSON

/// Which request and response members carry the page token of each paginated Cognito operation.
public enum CognitoPagination {
    public static func tokenName(_ operation: String) -> String {
        ["ListUsers", "ListUserImportJobs"].contains(operation) ? "PaginationToken" : "NextToken"
    }

    /// A pool's list operations: the member holding the items, and the largest page Cognito gives.
    public static let lists: [String: (items: String, pageSize: (name: String, value: Int))] = [
        "ListUserPoolClients": ("UserPoolClients", ("MaxResults", 60)),
        "ListIdentityProviders": ("Providers", ("MaxResults", 60)),
        "ListResourceServers": ("ResourceServers", ("MaxResults", 50)),
        "ListGroups": ("Groups", ("Limit", 60)),
        "ListTerms": ("Terms", ("MaxResults", 60)),
        "ListUserImportJobs": ("UserImportJobs", ("MaxResults", 60)),
    ]
}

extension CognitoAPI {
    /// Every item a list operation of one pool has (`ListGroups`, `ListUserPoolClients`…), to its
    /// last page, in the largest pages Cognito gives.
    public func listAll(_ operation: String, poolID: String) async throws -> [JSON] {
        guard let list = CognitoPagination.lists[operation] else { preconditionFailure("\(operation) is not a pool's list operation") }
        var items: [JSON] = []
        try await forEachPage(operation, ["UserPoolId": .string(poolID), list.pageSize.name: .number(list.pageSize.value)]) {
            items += $0[list.items]?.array ?? []
        }
        return items
    }

    /// Calls `operation` page after page, handing each page to `body`, until the last; or, given
    /// a `token` (nil: the first page), from there for as long as `proceed` says yes before each
    /// page. Returns the token to resume at, or nil once the last page was handed to `body`: a
    /// backup longer than one invocation keeps the token in its checkpoint.
    @discardableResult
    public func forEachPage(_ operation: String, _ input: JSON, from token: String? = nil, while proceed: () -> Bool = { true },
                            _ body: (JSON) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        return try await paginate(operation, input, from: token, while: proceed, fetch: { try await call(operation, $0) },
                                  token: { $0[tokenName]?.string }, body)
    }

    /// The same, each page kept as the bytes that came.
    @discardableResult
    public func forEachRawPage(_ operation: String, _ input: JSON, from token: String? = nil, while proceed: () -> Bool = { true },
                               _ body: (RawJSONObject) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        return try await paginate(operation, input, from: token, while: proceed, fetch: { try await callRaw(operation, $0) },
                                  token: { $0[tokenName]?.string }, body)
    }

    /// Pagination, written once for every paginated Cognito operation and both page forms.
    private func paginate<Page>(_ operation: String, _ input: JSON, from start: String?, while proceed: () -> Bool,
                                fetch: (JSON) async throws -> Page, token: (Page) -> String?,
                                _ body: (Page) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        var request = input.object ?? JSONObject()
        if let start { request[tokenName] = .string(start) }
        // Hashes, not tokens: a pool of millions has thousands of pages, each token hundreds of bytes.
        var seen: Set<Int> = []
        while true {
            if let resumeAt = request[tokenName]?.string, !proceed() { return resumeAt }
            let page = try await fetch(.object(request))
            try await body(page)
            guard let next = token(page), !next.isEmpty else { return nil }
            // A service that hands back a token it gave before would keep us here forever.
            guard seen.insert(next.hashValue).inserted else {
                throw AWSError(service: "cognito-idp", operation: operation, httpStatus: nil, code: "PaginationLoop",
                               message: "the service returned page token it returned before", requestID: nil)
            }
            request[tokenName] = .string(next)
        }
    }
}
