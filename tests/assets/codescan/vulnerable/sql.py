"""SQL assembled from strings."""


def find_user(cursor, name):
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    return cursor.fetchall()


def delete_user(cursor, user_id):
    query = "DELETE FROM users WHERE id = " + str(user_id)
    cursor.execute(query)
