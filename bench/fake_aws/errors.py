"""The two error shapes: the JSON protocols' {"__type", "message"} (Cognito, DynamoDB)
and S3's XML <Error> with an HTTP status."""


class ApiError(Exception):
    """An error the JSON protocols return as {"__type", "message"}."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
