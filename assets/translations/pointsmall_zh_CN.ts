<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <source>The database could not be opened:
{error}</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DomainError</name>
    <message>
        <source>Something went wrong and nothing was saved. Please tell the supervisor: {detail}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The operation was refused.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was found.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Your role ({role}) may not {action}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Too many failed logins: this account is locked for {minutes} more minute(s).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not enough points: the balance is {balance}, {needed} more are needed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Adjustments above {limit} points need a second staff member&apos;s approval.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This member&apos;s account is frozen; points cannot change.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown timezone: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A password or PIN needs at least {n} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A user name is 1 to 64 characters without spaces.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That user name is reserved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown role: {role}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user name {username} is taken.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No store with code {store}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No such staff account.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>You cannot remove your own administrator access.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The base rate must be between 0.001 and 100 points per yuan.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Points must expire after 1 to 120 months.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The tier basis is spend or points.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The growth window is 1 to 60 months.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The adjustment limit must be 0 to 1,000,000 points.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The largest purchase must be ¥1 to ¥10,000,000.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown setting: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No such member.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a reason for setting the tier by hand.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The end date must not be in the past.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A tier set by hand may last at most 24 months.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No tier called {code}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The evaluation for {period} ran twice at once.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown tier field: {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A discount is 1 to 100 percent of the price.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A points multiplier is 0.1x to 20x.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Retention must be between 0 and the tier&apos;s threshold.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A tier needs a name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The lowest tier must start at 0.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Each tier must need more growth than the one below it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A mobile number has 11 digits and starts with 1 (e.g. 138 0013 8000).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the member&apos;s name.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A name has at most {n} characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The phone {phone} already belongs to member {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Card {card} already belongs to member {name}.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The birthday is not a plausible date.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A card code has 12 digits with a valid check digit; check for a typo.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That phone or card was registered at another till just now; search for it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>That phone was registered at another till just now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Give a reason.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write what was checked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The balance is still below zero; adjust it before clearing the flag.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A campaign needs a name of at most 64 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The campaign ends before it starts.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A campaign multiplies points by more than 1x and at most 20x.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unknown tier: {code}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No such campaign.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A {what} number is 1 to 64 letters, digits or - _ / .</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The amount must be a whole number of fen.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>¥{amount} is more than one purchase can be (at most ¥{limit}); check the amount.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Receipt {receipt} already earned points ({points}) for another member or amount.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No purchase with receipt {receipt} at this store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refund {refund} was already recorded for another receipt or amount.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only ¥{left} of this receipt is left to refund.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter a whole number of points other than zero.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>One adjustment is at most {n} points.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a reason category.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a note saying why (at least 2 characters).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The note is at most 500 characters.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This adjustment request was already used for different values.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The approver must be a different staff member.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>pointsmall — log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Points mall</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password or PIN</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log in</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There are no staff accounts yet. Create one with &apos;pointsmall staff add --username NAME --role admin&apos;, or load demo data with &apos;pointsmall demo --members 2000&apos;.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>pointsmall — Points mall</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Counter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Members</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store: {name} ({code})</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Staff: {name} · {role}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Database: {db}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Phone numbers are masked</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>widget</name>
    <message>
        <source>Cashier</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Operator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
