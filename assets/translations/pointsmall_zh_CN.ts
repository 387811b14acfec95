<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AdjustPointsDialog</name>
    <message>
        <source>Adjust points — {name}</source>
        <translation>调整积分 — {name}</translation>
    </message>
    <message>
        <source>{name} · card {card} · balance {points}</source>
        <translation>{name} · 卡号 {card} · 积分 {points}</translation>
    </message>
    <message>
        <source>e.g. 100 to add, -100 to deduct</source>
        <translation>如 100 为增加，-100 为扣减</translation>
    </message>
    <message>
        <source>Choose a reason…</source>
        <translation>选择原因…</translation>
    </message>
    <message>
        <source>Why? e.g. wrong receipt amount on 3 May</source>
        <translation>说明原因，如：5月3日小票金额录错</translation>
    </message>
    <message>
        <source>Approval by a second staff member</source>
        <translation>第二人审批</translation>
    </message>
    <message>
        <source>Approver&apos;s user name</source>
        <translation>审批人用户名</translation>
    </message>
    <message>
        <source>Approver&apos;s password</source>
        <translation>审批人密码</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Adjust</source>
        <translation>调整</translation>
    </message>
    <message>
        <source>Goodwill (making up for a problem)</source>
        <translation>补偿（弥补服务问题）</translation>
    </message>
    <message>
        <source>Correction of a mistake at the till</source>
        <translation>更正收银差错</translation>
    </message>
    <message>
        <source>Promotion or event</source>
        <translation>促销或活动</translation>
    </message>
    <message>
        <source>Points from an old system</source>
        <translation>旧系统积分迁移</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Enter a whole number of points, e.g. 100 or -100.</source>
        <translation>请输入整数积分，如 100 或 -100。</translation>
    </message>
    <message>
        <source>The approver types their user name and password.</source>
        <translation>请审批人输入用户名和密码。</translation>
    </message>
    <message>
        <source>Balance after: {points}</source>
        <translation>调整后积分：{points}</translation>
    </message>
    <message>
        <source>Over {limit} points: another supervisor signs in here to approve.</source>
        <translation>超过 {limit} 积分：需另一位店长在此登录审批。</translation>
    </message>
    <message>
        <source>Checking and adjusting…</source>
        <translation>正在核对调整…</translation>
    </message>
</context>
<context>
    <name>AmountField</name>
    <message>
        <source>Enter the amount of the purchase.</source>
        <translation>请输入消费金额。</translation>
    </message>
    <message>
        <source>The amount is a number of yuan, like 128 or 128.50.</source>
        <translation>金额以元为单位，如 128 或 128.50。</translation>
    </message>
    <message>
        <source>The amount has at most two decimals (fen).</source>
        <translation>金额最多两位小数（到分）。</translation>
    </message>
    <message>
        <source>The amount cannot be negative; refunds are made elsewhere.</source>
        <translation>金额不能为负；退款请另行办理。</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>金额必须大于零。</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>The database could not be opened:
{error}</source>
        <translation>无法打开数据库：
{error}</translation>
    </message>
</context>
<context>
    <name>CampaignsTab</name>
    <message>
        <source>Campaign</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Dates</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分倍数</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Only operators and administrators can change campaigns.</source>
        <translation>只有运营和管理员可以修改活动。</translation>
    </message>
    <message>
        <source>New campaign</source>
        <translation>新建活动</translation>
    </message>
    <message>
        <source>e.g. 双11 Gold week</source>
        <translation>如：双11金卡周</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Save campaign</source>
        <translation>保存活动</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Starts on</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <source>Ends on</source>
        <translation>结束日期</translation>
    </message>
    <message>
        <source>Points multiplier</source>
        <translation>积分倍数</translation>
    </message>
    <message>
        <source>For tiers</source>
        <translation>适用等级</translation>
    </message>
    <message>
        <source>No tier ticked: every tier earns the multiplier.</source>
        <translation>未勾选等级：所有等级均享受此倍数。</translation>
    </message>
    <message>
        <source>All tiers</source>
        <translation>全部等级</translation>
    </message>
    <message>
        <source>Ended</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Upcoming</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Edit campaign: {name}</source>
        <translation>编辑活动：{name}</translation>
    </message>
    <message>
        <source>{tiers} members</source>
        <translation>{tiers}</translation>
    </message>
    <message>
        <source>all members</source>
        <translation>所有会员</translation>
    </message>
    <message>
        <source>From {start} to {end}, {who} earn {x} points on top of their tier&apos;s multiplier.</source>
        <translation>{start} 至 {end}，{who}在等级倍数之外再享 {x} 积分。</translation>
    </message>
    <message>
        <source>(switched off: it applies to nothing)</source>
        <translation>（已停用：不生效）</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>CaseDetail</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>What was checked (needed for any decision)</source>
        <translation>核查了什么（任何决定都需填写）</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>处理完毕</translation>
    </message>
    <message>
        <source>Merge into…</source>
        <translation>合并到…</translation>
    </message>
    <message>
        <source>Different people: correct the phone…</source>
        <translation>不是同一人：更正手机号…</translation>
    </message>
    <message>
        <source>Choose a case in the list.</source>
        <translation>请在列表中选择一个案件。</translation>
    </message>
    <message>
        <source>No member</source>
        <translation>无会员</translation>
    </message>
    <message>
        <source>Opened {when} by {who} ({store})</source>
        <translation>{when} 由 {who}（{store}）发起</translation>
    </message>
    <message>
        <source>Redeeming and spinning are blocked until this case is decided.</source>
        <translation>此案件处理前，该会员不能兑换，也不能抽奖。</translation>
    </message>
    <message>
        <source>{decision} by {who} on {when}: {note}</source>
        <translation>{who} 于 {when} {decision}：{note}</translation>
    </message>
    <message>
        <source>({points} points taken back)</source>
        <translation>（已扣回 {points} 积分）</translation>
    </message>
    <message>
        <source>Reject and take back {points} points</source>
        <translation>驳回并扣回 {points} 积分</translation>
    </message>
    <message>
        <source>Merged: {name} went into {kept}; {points} points moved.</source>
        <translation>已合并：{name} 并入 {kept}，转移 {points} 积分。</translation>
    </message>
    <message>
        <source>Kept apart: {name}&apos;s phone was corrected.</source>
        <translation>已分开：{name} 的手机号已更正。</translation>
    </message>
    <message>
        <source>Write what was checked before deciding (a few words).</source>
        <translation>做决定前请写下核查了什么（几个字即可）。</translation>
    </message>
    <message>
        <source>Decided: {decision}.</source>
        <translation>已处理：{decision}。</translation>
    </message>
    <message>
        <source>{points} points were taken back.</source>
        <translation>已扣回 {points} 积分。</translation>
    </message>
</context>
<context>
    <name>CatalogFiles</name>
    <message>
        <source>CSV for Excel (*.csv)</source>
        <translation>CSV 文件（Excel 可用） (*.csv)</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>Export the catalog</source>
        <translation>导出商品目录</translation>
    </message>
    <message>
        <source>The file could not be written: {detail}</source>
        <translation>无法写入文件：{detail}</translation>
    </message>
    <message>
        <source>Exported {n} items to {file}.</source>
        <translation>已导出 {n} 件商品到 {file}。</translation>
    </message>
    <message>
        <source>Import the catalog</source>
        <translation>导入商品目录</translation>
    </message>
    <message>
        <source>Catalog files (*.csv *.xlsx)</source>
        <translation>商品目录文件 (*.csv *.xlsx)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>Imported {file}: {new} new, {changed} changed.</source>
        <translation>已导入 {file}：新增 {new} 件，修改 {changed} 件。</translation>
    </message>
</context>
<context>
    <name>CatalogImportDialog</name>
    <message>
        <source>Import the catalog — {file}</source>
        <translation>导入商品目录 — {file}</translation>
    </message>
    <message>
        <source>Checking {file}…</source>
        <translation>正在检查 {file}…</translation>
    </message>
    <message>
        <source>Stock is not imported: a file only changes item details. Record stock with Restock or Count correction.</source>
        <translation>库存不随文件导入：文件只更改商品信息。库存请用“补货”或“盘点调整”登记。</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>{file} cannot be imported</source>
        <translation>{file} 无法导入</translation>
    </message>
    <message>
        <source>The file could not be read: {detail}</source>
        <translation>无法读取文件：{detail}</translation>
    </message>
    <message>
        <source>{rows} rows: {new} new, {changed} changed, {same} unchanged, {errors} with errors.</source>
        <translation>共 {rows} 行：新增 {new}，修改 {changed}，不变 {same}，出错 {errors}。</translation>
    </message>
    <message>
        <source>Fix the rows in red, then import the file again</source>
        <translation>请修正标红的行，再重新导入文件</translation>
    </message>
    <message>
        <source>Nothing is imported while any row has an error.</source>
        <translation>只要有一行出错，就不会导入任何内容。</translation>
    </message>
    <message>
        <source>The catalog already matches {file}</source>
        <translation>商品目录已与 {file} 一致</translation>
    </message>
    <message>
        <source>Ready to import {file}</source>
        <translation>可以导入 {file}</translation>
    </message>
</context>
<context>
    <name>CatalogPage</name>
    <message>
        <source>Catalog</source>
        <translation>商品管理</translation>
    </message>
    <message>
        <source>All categories</source>
        <translation>全部分类</translation>
    </message>
    <message>
        <source>Search by name, or type an item code</source>
        <translation>按名称搜索，或输入商品编码</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>新建商品</translation>
    </message>
    <message>
        <source>{n} items</source>
        <translation>共 {n} 件商品</translation>
    </message>
    <message>
        <source>1 item</source>
        <translation>共 1 件商品</translation>
    </message>
    <message>
        <source>No item matches.</source>
        <translation>没有匹配的商品。</translation>
    </message>
    <message>
        <source>No items yet. Create the first with “New item”.</source>
        <translation>还没有商品。点击“新建商品”创建第一件。</translation>
    </message>
</context>
<context>
    <name>CatalogTableModel</name>
    <message>
        <source>Vouchers are valid for {days} days</source>
        <translation>券码有效期 {days} 天</translation>
    </message>
    <message>
        <source>Not shown in the mall</source>
        <translation>不在积分商城显示</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>Name and code</source>
        <translation>名称与编码</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Price</source>
        <translation>价格</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Limits</source>
        <translation>限兑</translation>
    </message>
    <message>
        <source>Min. tier</source>
        <translation>最低等级</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>兑换时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>CatalogWords</name>
    <message>
        <source>Goods</source>
        <translation>实物</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>{kind} {value}</source>
        <translation>{kind} {value}</translation>
    </message>
    <message>
        <source>{points} pts</source>
        <translation>{points} 积分</translation>
    </message>
    <message>
        <source>{points} + {cash}</source>
        <translation>{points} + {cash}</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>{n}/order</source>
        <translation>每单 {n}</translation>
    </message>
    <message>
        <source>{n}/day</source>
        <translation>每天 {n}</translation>
    </message>
    <message>
        <source>{n}/member</source>
        <translation>每人 {n}</translation>
    </message>
    <message>
        <source>All members</source>
        <translation>所有会员</translation>
    </message>
    <message>
        <source>Tier {rank}</source>
        <translation>等级 {rank}</translation>
    </message>
    <message>
        <source>{tier} and above</source>
        <translation>{tier}及以上</translation>
    </message>
    <message>
        <source>{start} –
{end}</source>
        <translation>{start} –
{end}</translation>
    </message>
    <message>
        <source>From {start}</source>
        <translation>{start} 起</translation>
    </message>
    <message>
        <source>Until {end}</source>
        <translation>至 {end}</translation>
    </message>
    <message>
        <source>Always</source>
        <translation>长期</translation>
    </message>
    <message>
        <source>On sale</source>
        <translation>已上架</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>已下架</translation>
    </message>
    <message>
        <source>Restock</source>
        <translation>补货</translation>
    </message>
    <message>
        <source>Write-off</source>
        <translation>报损</translation>
    </message>
    <message>
        <source>Count correction</source>
        <translation>盘点调整</translation>
    </message>
    <message>
        <source>Redemption</source>
        <translation>积分兑换</translation>
    </message>
    <message>
        <source>Cancelled redemption</source>
        <translation>取消兑换</translation>
    </message>
</context>
<context>
    <name>ConfigListTab</name>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Switch off</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Switch on</source>
        <translation>启用</translation>
    </message>
</context>
<context>
    <name>CounterPage</name>
    <message>
        <source>Scan the member card, or type a phone, its last 4 digits or a name</source>
        <translation>扫会员卡，或输入手机号、尾号后4位或姓名</translation>
    </message>
    <message>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <source>Scan a member card to begin.

Or type a phone number, its last four digits, a name or pinyin initials (e.g. zsf), then press Enter.</source>
        <translation>扫描会员卡开始。

或输入手机号、尾号后四位、姓名或拼音首字母（如 zsf），然后按回车。</translation>
    </message>
    <message>
        <source>Scan or type</source>
        <translation>扫码或输入</translation>
    </message>
    <message>
        <source>Award points</source>
        <translation>发放积分</translation>
    </message>
    <message>
        <source>Receipt no.</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Amount (¥)</source>
        <translation>金额（¥）</translation>
    </message>
    <message>
        <source>Recent points</source>
        <translation>最近积分记录</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>正在查找…</translation>
    </message>
    <message>
        <source>No member found for “{query}”.</source>
        <translation>未找到“{query}”对应的会员。</translation>
    </message>
    <message>
        <source>The first {n} matches are shown; type more to narrow them.</source>
        <translation>仅显示前 {n} 条结果；多输入几个字可缩小范围。</translation>
    </message>
    <message>
        <source>{n} found: choose with ↑ ↓ and press Enter.</source>
        <translation>找到 {n} 位：用 ↑ ↓ 选择后按回车。</translation>
    </message>
    <message>
        <source>Enter on the empty box: award points · Esc: next customer</source>
        <translation>空框按回车：发放积分 · Esc：下一位顾客</translation>
    </message>
    <message>
        <source>Your role may not award points.</source>
        <translation>当前角色无权发放积分。</translation>
    </message>
    <message>
        <source>Enter the receipt number.</source>
        <translation>请输入小票号。</translation>
    </message>
    <message>
        <source>Receipt {receipt} had already earned {points} points; nothing new was added. Balance {balance}</source>
        <translation>小票 {receipt} 已发过 {points} 积分，不再重复。累计积分{balance}</translation>
    </message>
    <message>
        <source>This purchase is too small to earn points; balance {balance}</source>
        <translation>本次消费金额太小，未获积分，累计积分{balance}</translation>
    </message>
    <message>
        <source>Earned {points} points for this purchase ({campaigns}), balance {balance}</source>
        <translation>本次消费获{points}积分（{campaigns}），累计积分{balance}</translation>
    </message>
    <message>
        <source>Earned {points} points for this purchase, balance {balance}</source>
        <translation>本次消费获{points}积分，累计积分{balance}</translation>
    </message>
    <message>
        <source>Upgraded to {tier}!</source>
        <translation>恭喜升级为{tier}！</translation>
    </message>
</context>
<context>
    <name>CustomerScreen</name>
    <message>
        <source>Spin the wheel</source>
        <translation>幸运大转盘</translation>
    </message>
    <message>
        <source>Good luck!</source>
        <translation>祝您好运！</translation>
    </message>
</context>
<context>
    <name>DatabaseTab</name>
    <message>
        <source>Database and sync</source>
        <translation>数据库与同步</translation>
    </message>
    <message>
        <source>This desktop uses now: {db}</source>
        <translation>本机当前使用：{db}</translation>
    </message>
    <message>
        <source>Standalone</source>
        <translation>单机</translation>
    </message>
    <message>
        <source>One store: the data stays on this computer.</source>
        <translation>单店使用：数据只保存在这台电脑上。</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>联网</translation>
    </message>
    <message>
        <source>Every desktop of the chain works on HQ&apos;s shared database; needs a steady connection to HQ.</source>
        <translation>连锁的所有收银电脑共用总部数据库；需要与总部保持稳定连接。</translation>
    </message>
    <message>
        <source>Offline-capable store</source>
        <translation>可离线门店</translation>
    </message>
    <message>
        <source>This store works on its own copy and syncs with HQ whenever it can reach it; it keeps serving members when the connection is down.</source>
        <translation>本店使用自己的数据副本，能连上总部时自动同步；断网时照常为会员服务。</translation>
    </message>
    <message>
        <source>as given by HQ</source>
        <translation>由总部提供</translation>
    </message>
    <message>
        <source>HQ database address</source>
        <translation>总部数据库地址</translation>
    </message>
    <message>
        <source>HQ database password</source>
        <translation>总部数据库密码</translation>
    </message>
    <message>
        <source>This store&apos;s code</source>
        <translation>本店编号</translation>
    </message>
    <message>
        <source>A saved change takes effect when pointsmall is started again on this computer; nothing changes while it runs.</source>
        <translation>保存的更改在本机重新启动积分商城后生效；运行期间不会切换数据库。</translation>
    </message>
    <message>
        <source>Test connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Set on this computer and stronger than the saved setting: {names}. Remove it for the choice here to count.</source>
        <translation>本机设置了以下环境变量，优先于保存的设置：{names}。删除后，这里的选择才会生效。</translation>
    </message>
    <message>
        <source>Asking HQ&apos;s server…</source>
        <translation>正在连接总部服务器…</translation>
    </message>
    <message>
        <source>Connected to HQ&apos;s database: PostgreSQL {version}, {stores} store(s), schema {revision} (current).</source>
        <translation>已连接总部数据库：PostgreSQL {version}，{stores} 家门店，数据结构版本 {revision}（最新）。</translation>
    </message>
    <message>
        <source>Saved to {path}. Start pointsmall again on this computer to use the new setting.</source>
        <translation>已保存到 {path}。请在本机重新启动积分商城以使用新设置。</translation>
    </message>
</context>
<context>
    <name>DomainError</name>
    <message>
        <source>Something went wrong and nothing was saved. Please tell the supervisor: {detail}</source>
        <translation>出错了，未保存任何内容。请告知店长：{detail}</translation>
    </message>
    <message>
        <source>The operation was refused.</source>
        <translation>操作被拒绝。</translation>
    </message>
    <message>
        <source>Nothing was found.</source>
        <translation>没有找到相关记录。</translation>
    </message>
    <message>
        <source>Your role ({role}) may not {action}.</source>
        <translation>当前角色（{role}）无权执行：{action}。</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Too many failed logins: this account is locked for {minutes} more minute(s).</source>
        <translation>登录失败次数过多：账号已锁定，请 {minutes} 分钟后再试。</translation>
    </message>
    <message>
        <source>Not enough points: the balance is {balance}, {needed} more are needed.</source>
        <translation>积分不足：当前余额 {balance}，还差 {needed}。</translation>
    </message>
    <message>
        <source>Adjustments above {limit} points need a second staff member&apos;s approval.</source>
        <translation>调整超过 {limit} 积分需另一位员工审批。</translation>
    </message>
    <message>
        <source>This member&apos;s account is frozen; points cannot change.</source>
        <translation>该会员账户已冻结，积分不能变动。</translation>
    </message>
    <message>
        <source>Unknown timezone: {name}</source>
        <translation>未知时区：{name}</translation>
    </message>
    <message>
        <source>This item is no longer offered.</source>
        <translation>该商品已下架。</translation>
    </message>
    <message>
        <source>This item can be redeemed from {day}.</source>
        <translation>该商品 {day} 起可兑。</translation>
    </message>
    <message>
        <source>This item could be redeemed until {day}.</source>
        <translation>该商品已于 {day} 截止兑换。</translation>
    </message>
    <message>
        <source>Only {tier_en} members and above can redeem this.</source>
        <translation>{tier}及以上可兑。</translation>
    </message>
    <message>
        <source>At most {n} per redemption.</source>
        <translation>每次限兑 {n} 件。</translation>
    </message>
    <message>
        <source>Each member can redeem at most {n} a day.</source>
        <translation>每人每天限兑 {n} 件。</translation>
    </message>
    <message>
        <source>Each member can redeem at most {n} in total.</source>
        <translation>每人累计限兑 {n} 件。</translation>
    </message>
    <message>
        <source>Not enough points: {short} more are needed.</source>
        <translation>积分不足，还差 {short}。</translation>
    </message>
    <message>
        <source>Redeem 1 to 999 pieces at a time.</source>
        <translation>每次可兑换 1 至 999 件。</translation>
    </message>
    <message>
        <source>A request id has 1 to {n} characters.</source>
        <translation>请求编号为 1 至 {n} 个字符。</translation>
    </message>
    <message>
        <source>Give a reason for the cancellation.</source>
        <translation>请填写取消原因。</translation>
    </message>
    <message>
        <source>Out of stock.</source>
        <translation>库存已兑完。</translation>
    </message>
    <message>
        <source>Only {n} left.</source>
        <translation>仅剩 {n} 件。</translation>
    </message>
    <message>
        <source>No such redemption.</source>
        <translation>没有这笔兑换记录。</translation>
    </message>
    <message>
        <source>This redemption was already cancelled.</source>
        <translation>这笔兑换已取消过。</translation>
    </message>
    <message>
        <source>The voucher of this redemption was already used; it cannot be cancelled.</source>
        <translation>这笔兑换的券码已核销，不能取消。</translation>
    </message>
    <message>
        <source>Redemptions can only be cancelled within {days} days.</source>
        <translation>兑换只能在 {days} 天内取消。</translation>
    </message>
    <message>
        <source>This redemption request was already used for another item.</source>
        <translation>该兑换请求已用于其他商品。</translation>
    </message>
    <message>
        <source>Redemptions can be cancelled for 0 to 365 days.</source>
        <translation>可取消兑换的期限为 0 至 365 天。</translation>
    </message>
    <message>
        <source>Already signed in today ({day}); come back tomorrow.</source>
        <translation>今天（{day}）已签到，明天再来吧。</translation>
    </message>
    <message>
        <source>Choose the day to make up.</source>
        <translation>请选择要补签的日期。</translation>
    </message>
    <message>
        <source>There is no such month.</source>
        <translation>没有这个月份。</translation>
    </message>
    <message>
        <source>The reward cycle is 1 to 31 days of 0 to 10,000 points each.</source>
        <translation>奖励周期为 1 至 31 天，每天 0 至 10,000 积分。</translation>
    </message>
    <message>
        <source>Each monthly bonus needs its own number of days (1 to 31) and 1 to 100,000 points.</source>
        <translation>每项月度累计奖励需设定不重复的天数（1 至 31）和 1 至 100,000 积分。</translation>
    </message>
    <message>
        <source>The weekly challenge pays 0 to 100,000 points.</source>
        <translation>一周打卡奖励须为 0 至 100,000 积分。</translation>
    </message>
    <message>
        <source>The tier multiplier is on or off.</source>
        <translation>等级倍数只能开启或关闭。</translation>
    </message>
    <message>
        <source>A make-up sign-in costs 0 to 100,000 points.</source>
        <translation>补签一次消耗须为 0 至 100,000 积分。</translation>
    </message>
    <message>
        <source>Allow 0 to 31 make-up sign-ins a month.</source>
        <translation>每月补签次数须为 0 至 31 次。</translation>
    </message>
    <message>
        <source>A make-up can reach back 1 to 31 days.</source>
        <translation>补签可追溯的天数须为 1 至 31 天。</translation>
    </message>
    <message>
        <source>{day} is already signed in; there is nothing to make up.</source>
        <translation>{day} 已签到，无需补签。</translation>
    </message>
    <message>
        <source>Make-up sign-ins are switched off.</source>
        <translation>补签功能已关闭。</translation>
    </message>
    <message>
        <source>Only a day before today can be made up.</source>
        <translation>只能补签今天之前的日期。</translation>
    </message>
    <message>
        <source>A make-up sign-in can fill only one of the last {n} days.</source>
        <translation>补签只能补最近 {n} 天内的某一天。</translation>
    </message>
    <message>
        <source>{day} is before the member joined.</source>
        <translation>{day} 早于会员入会日期。</translation>
    </message>
    <message>
        <source>Make-up sign-ins are limited to {n} a month; none are left this month.</source>
        <translation>每月限补签 {n} 次，本月次数已用完。</translation>
    </message>
    <message>
        <source>A make-up sign-in costs {cost} points; the balance is {balance}.</source>
        <translation>补签一次需 {cost} 积分，当前余额 {balance}。</translation>
    </message>
    <message>
        <source>A password or PIN needs at least {n} characters.</source>
        <translation>密码或 PIN 至少 {n} 位。</translation>
    </message>
    <message>
        <source>A user name is 1 to 64 characters without spaces.</source>
        <translation>用户名为 1 至 64 个字符，不含空格。</translation>
    </message>
    <message>
        <source>That user name is reserved.</source>
        <translation>该用户名为系统保留。</translation>
    </message>
    <message>
        <source>Unknown role: {role}</source>
        <translation>未知角色：{role}</translation>
    </message>
    <message>
        <source>The user name {username} is taken.</source>
        <translation>用户名 {username} 已被占用。</translation>
    </message>
    <message>
        <source>No store with code {store}.</source>
        <translation>没有编码为 {store} 的门店。</translation>
    </message>
    <message>
        <source>No such staff account.</source>
        <translation>没有这个员工账号。</translation>
    </message>
    <message>
        <source>You cannot remove your own administrator access.</source>
        <translation>不能取消自己的管理员权限。</translation>
    </message>
    <message>
        <source>The base rate must be between 0.001 and 100 points per yuan.</source>
        <translation>基础比例须为每元 0.001 至 100 积分。</translation>
    </message>
    <message>
        <source>Points must expire after 1 to 120 months.</source>
        <translation>积分有效期须为 1 至 120 个月。</translation>
    </message>
    <message>
        <source>The tier basis is spend or points.</source>
        <translation>等级依据只能是消费金额或所获积分。</translation>
    </message>
    <message>
        <source>The growth window is 1 to 60 months.</source>
        <translation>成长值统计期为 1 至 60 个月。</translation>
    </message>
    <message>
        <source>The adjustment limit must be 0 to 1,000,000 points.</source>
        <translation>调整审批额度须为 0 至 1,000,000 积分。</translation>
    </message>
    <message>
        <source>The largest purchase must be ¥1 to ¥10,000,000.</source>
        <translation>单笔消费上限须为 ¥1 至 ¥10,000,000。</translation>
    </message>
    <message>
        <source>Unknown setting: {name}</source>
        <translation>未知设置项：{name}</translation>
    </message>
    <message>
        <source>No such member.</source>
        <translation>没有这位会员。</translation>
    </message>
    <message>
        <source>Give a reason for setting the tier by hand.</source>
        <translation>请填写手动设置等级的原因。</translation>
    </message>
    <message>
        <source>The end date must not be in the past.</source>
        <translation>结束日期不能早于今天。</translation>
    </message>
    <message>
        <source>A tier set by hand may last at most 24 months.</source>
        <translation>手动设置的等级最长保持 24 个月。</translation>
    </message>
    <message>
        <source>No tier called {code}.</source>
        <translation>没有名为 {code} 的等级。</translation>
    </message>
    <message>
        <source>A colour is written as # and six hex digits, e.g. #D4A017.</source>
        <translation>颜色须写成 # 加六位十六进制数，如 #D4A017。</translation>
    </message>
    <message>
        <source>The evaluation for {period} ran twice at once.</source>
        <translation>{period} 的等级评定同时运行了两次。</translation>
    </message>
    <message>
        <source>Unknown tier field: {name}</source>
        <translation>未知等级字段：{name}</translation>
    </message>
    <message>
        <source>A discount is 1 to 100 percent of the price.</source>
        <translation>折扣须为原价的 1% 至 100%。</translation>
    </message>
    <message>
        <source>A points multiplier is 0.1x to 20x.</source>
        <translation>积分倍数须为 0.1 至 20 倍。</translation>
    </message>
    <message>
        <source>Retention must be between 0 and the tier&apos;s threshold.</source>
        <translation>保级值须在 0 与该等级门槛之间。</translation>
    </message>
    <message>
        <source>A tier needs a name.</source>
        <translation>请填写等级名称。</translation>
    </message>
    <message>
        <source>The lowest tier must start at 0.</source>
        <translation>最低等级的门槛须为 0。</translation>
    </message>
    <message>
        <source>Each tier must need more growth than the one below it.</source>
        <translation>每个等级所需成长值须高于下一等级。</translation>
    </message>
    <message>
        <source>A mobile number has 11 digits and starts with 1 (e.g. 138 0013 8000).</source>
        <translation>手机号为 1 开头的 11 位数字（如 138 0013 8000）。</translation>
    </message>
    <message>
        <source>Enter the member&apos;s name.</source>
        <translation>请输入会员姓名。</translation>
    </message>
    <message>
        <source>A name has at most {n} characters.</source>
        <translation>姓名最多 {n} 个字。</translation>
    </message>
    <message>
        <source>The phone {phone} already belongs to member {name}.</source>
        <translation>手机号 {phone} 已属于会员 {name}。</translation>
    </message>
    <message>
        <source>Card {card} already belongs to member {name}.</source>
        <translation>卡号 {card} 已属于会员 {name}。</translation>
    </message>
    <message>
        <source>The birthday is not a plausible date.</source>
        <translation>生日日期不合理。</translation>
    </message>
    <message>
        <source>A card code has 12 digits with a valid check digit; check for a typo.</source>
        <translation>卡号为 12 位数字且校验位须正确；请检查是否输错。</translation>
    </message>
    <message>
        <source>That phone or card was registered at another till just now; search for it.</source>
        <translation>该手机号或卡号刚在其他收银台登记；请搜索查找。</translation>
    </message>
    <message>
        <source>That phone was registered at another till just now.</source>
        <translation>该手机号刚在其他收银台登记。</translation>
    </message>
    <message>
        <source>Give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
    <message>
        <source>Write what was checked.</source>
        <translation>请写明核查了什么。</translation>
    </message>
    <message>
        <source>The balance is still below zero; adjust it before clearing the flag.</source>
        <translation>积分余额仍为负数；请先调整再解除标记。</translation>
    </message>
    <message>
        <source>A campaign needs a name of at most 64 characters.</source>
        <translation>活动名称须为 1 至 64 个字。</translation>
    </message>
    <message>
        <source>{count} row(s) have problems; nothing was imported.</source>
        <translation>有 {count} 行存在问题，未导入任何内容。</translation>
    </message>
    <message>
        <source>The file is neither UTF-8 nor GBK text; save it from Excel as CSV (UTF-8).</source>
        <translation>文件既不是 UTF-8 也不是 GBK 文本；请在 Excel 中另存为 CSV（UTF-8）。</translation>
    </message>
    <message>
        <source>This is an Excel workbook, not CSV; in Excel use Save As &gt; CSV.</source>
        <translation>这是 Excel 工作簿，不是 CSV；请在 Excel 中“另存为”&gt; CSV。</translation>
    </message>
    <message>
        <source>The file is not text; save the spreadsheet as CSV.</source>
        <translation>文件不是文本；请将表格另存为 CSV。</translation>
    </message>
    <message>
        <source>The first row must name the columns: phone or card, points, reason_category, note (手机号/卡号, 积分, 原因, 备注).</source>
        <translation>第一行须为列名：手机号/卡号、积分、原因、备注（phone 或 card、points、reason_category、note）。</translation>
    </message>
    <message>
        <source>The file is larger than {mb} MB; split it into smaller files.</source>
        <translation>文件超过 {mb} MB；请拆分成较小的文件。</translation>
    </message>
    <message>
        <source>The file is empty.</source>
        <translation>文件为空。</translation>
    </message>
    <message>
        <source>The file has no rows under its header.</source>
        <translation>文件只有表头，没有数据行。</translation>
    </message>
    <message>
        <source>The file has more than {n} rows; split it into smaller files.</source>
        <translation>文件超过 {n} 行；请拆分成较小的文件。</translation>
    </message>
    <message>
        <source>The campaign ends before it starts.</source>
        <translation>活动结束日期早于开始日期。</translation>
    </message>
    <message>
        <source>A campaign multiplies points by more than 1x and at most 20x.</source>
        <translation>活动积分倍数须大于 1 倍且不超过 20 倍。</translation>
    </message>
    <message>
        <source>Unknown tier: {code}</source>
        <translation>未知等级：{code}</translation>
    </message>
    <message>
        <source>No such campaign.</source>
        <translation>没有这个活动。</translation>
    </message>
    <message>
        <source>The {what} limit must be a whole number above zero, or empty for none.</source>
        <translation>{what} 限额须为大于零的整数，留空表示不限。</translation>
    </message>
    <message>
        <source>An item code is 1 to 32 letters, digits, - or _.</source>
        <translation>商品编码为 1 至 32 位字母、数字、- 或 _。</translation>
    </message>
    <message>
        <source>An item needs a name of at most 64 characters.</source>
        <translation>商品名称须为 1 至 64 个字。</translation>
    </message>
    <message>
        <source>An item needs a category of at most 32 characters.</source>
        <translation>商品分类须为 1 至 32 个字。</translation>
    </message>
    <message>
        <source>An item must cost some points.</source>
        <translation>商品须设置兑换积分。</translation>
    </message>
    <message>
        <source>The availability window ends before it starts.</source>
        <translation>兑换时间的结束早于开始。</translation>
    </message>
    <message>
        <source>Unknown minimum tier.</source>
        <translation>未知的最低等级。</translation>
    </message>
    <message>
        <source>No such catalog item.</source>
        <translation>没有这件商品。</translation>
    </message>
    <message>
        <source>Only {stock} left in stock.</source>
        <translation>库存仅剩 {stock} 件。</translation>
    </message>
    <message>
        <source>Redemptions move stock by themselves.</source>
        <translation>兑换会自动扣减库存，无需手动登记。</translation>
    </message>
    <message>
        <source>Enter a whole number of pieces other than zero.</source>
        <translation>请输入不为零的整数件数。</translation>
    </message>
    <message>
        <source>Give a reason for the stock change.</source>
        <translation>请填写库存变动原因。</translation>
    </message>
    <message>
        <source>A reason has at most {n} characters.</source>
        <translation>原因最多 {n} 个字。</translation>
    </message>
    <message>
        <source>An item is goods, a coupon or a service.</source>
        <translation>商品类型只能是实物、优惠券或服务。</translation>
    </message>
    <message>
        <source>The {what} must be a whole number from 0 to 10,000,000.</source>
        <translation>{what} 须为 0 至 10,000,000 的整数。</translation>
    </message>
    <message>
        <source>A coupon needs a face value above zero.</source>
        <translation>优惠券面值须大于零。</translation>
    </message>
    <message>
        <source>A coupon needs a validity of 1 to 3650 days.</source>
        <translation>优惠券有效期须为 1 至 3650 天。</translation>
    </message>
    <message>
        <source>The item code {sku} is already used by {name}.</source>
        <translation>商品编码 {sku} 已被“{name}”使用。</translation>
    </message>
    <message>
        <source>This item has unlimited stock.</source>
        <translation>该商品库存不限。</translation>
    </message>
    <message>
        <source>{count} row(s) have errors; nothing was imported.</source>
        <translation>有 {count} 行出错，未导入任何内容。</translation>
    </message>
    <message>
        <source>The file is neither UTF-8 nor GBK/GB18030 text.</source>
        <translation>文件既不是 UTF-8 也不是 GBK/GB18030 文本。</translation>
    </message>
    <message>
        <source>The {what} must be a whole number.</source>
        <translation>{what} 须为整数。</translation>
    </message>
    <message>
        <source>The {what} column takes yes or no (1/0, 是/否).</source>
        <translation>{what} 列只能填是或否（1/0、是/否、yes/no）。</translation>
    </message>
    <message>
        <source>Unknown tier {tier}; use a tier code such as gold.</source>
        <translation>未知等级 {tier}；请填写等级代码，如 gold。</translation>
    </message>
    <message>
        <source>The file is larger than {mb} MB.</source>
        <translation>文件超过 {mb} MB。</translation>
    </message>
    <message>
        <source>Import at most {n} rows at a time.</source>
        <translation>每次最多导入 {n} 行。</translation>
    </message>
    <message>
        <source>Unknown column(s): {names}.</source>
        <translation>无法识别的列：{names}。</translation>
    </message>
    <message>
        <source>The file needs an item code column (sku or 编码).</source>
        <translation>文件须包含商品编码列（sku 或 编码）。</translation>
    </message>
    <message>
        <source>Column(s) given twice: {names}.</source>
        <translation>重复的列：{names}。</translation>
    </message>
    <message>
        <source>The {what} must be an amount in yuan, such as 12.50.</source>
        <translation>{what} 须为以元计的金额，如 12.50。</translation>
    </message>
    <message>
        <source>Export to a .csv or .xlsx file.</source>
        <translation>请导出为 .csv 或 .xlsx 文件。</translation>
    </message>
    <message>
        <source>The file is not a readable .xlsx workbook.</source>
        <translation>文件不是可读取的 .xlsx 工作簿。</translation>
    </message>
    <message>
        <source>Import a .csv or .xlsx file.</source>
        <translation>请导入 .csv 或 .xlsx 文件。</translation>
    </message>
    <message>
        <source>The catalog changed while importing; nothing was imported. Try again.</source>
        <translation>导入时商品目录发生了变化，未导入任何内容。请重试。</translation>
    </message>
    <message>
        <source>The item code {sku} is also on row {row}.</source>
        <translation>商品编码 {sku} 在第 {row} 行重复出现。</translation>
    </message>
    <message>
        <source>HQ&apos;s database refused the user name or password; check them with HQ&apos;s IT.</source>
        <translation>总部数据库拒绝了用户名或密码；请向总部IT核对。</translation>
    </message>
    <message>
        <source>HQ&apos;s server has no database named {name}; check the name with HQ&apos;s IT.</source>
        <translation>总部服务器上没有名为 {name} 的数据库；请向总部IT核对名称。</translation>
    </message>
    <message>
        <source>HQ&apos;s server {host} could not be reached: {detail}</source>
        <translation>无法连接总部服务器 {host}：{detail}</translation>
    </message>
    <message>
        <source>The chain&apos;s database must be PostgreSQL (postgresql://user:password@host/database).</source>
        <translation>连锁总部数据库必须是 PostgreSQL（postgresql://用户:密码@服务器/数据库）。</translation>
    </message>
    <message>
        <source>The chain&apos;s database address needs a server and a database name, like postgresql://user:password@hq.example.com/pointsmall.</source>
        <translation>总部数据库地址需要包含服务器和数据库名，例如 postgresql://user:password@hq.example.com/pointsmall。</translation>
    </message>
    <message>
        <source>Put the user name in the address (postgresql://USER@host/database) when you give a password.</source>
        <translation>填写密码时，请在地址中写上用户名（postgresql://用户名@服务器/数据库）。</translation>
    </message>
    <message>
        <source>The settings file {path} has a [database] entry that is not a section.</source>
        <translation>设置文件 {path} 中的 [database] 不是一个分节。</translation>
    </message>
    <message>
        <source>HQ&apos;s server {host} did not answer in time: check this store&apos;s internet connection, or try again later.</source>
        <translation>总部服务器 {host} 没有及时响应：请检查本店网络，或稍后再试。</translation>
    </message>
    <message>
        <source>HQ&apos;s server {host} refused the connection: the address or port is wrong, or the database server is not running.</source>
        <translation>总部服务器 {host} 拒绝连接：地址或端口有误，或数据库服务未运行。</translation>
    </message>
    <message>
        <source>HQ&apos;s server name {host} is unknown: check the address, or this store&apos;s internet connection.</source>
        <translation>找不到总部服务器 {host}：请检查地址或本店网络。</translation>
    </message>
    <message>
        <source>Enter this store&apos;s code for the offline-capable mode.</source>
        <translation>可离线门店模式需要填写本店编号。</translation>
    </message>
    <message>
        <source>A store code is letters, digits, - or _ (at most {n}).</source>
        <translation>门店编号只能包含字母、数字、- 或 _（最多 {n} 个字符）。</translation>
    </message>
    <message>
        <source>The chain&apos;s database address is not a database URL: {url}</source>
        <translation>总部数据库地址不是有效的数据库网址：{url}</translation>
    </message>
    <message>
        <source>The settings file {path} is not UTF-8 text; fix it or delete it to start with the defaults.</source>
        <translation>设置文件 {path} 不是 UTF-8 文本；请修正，或删除它以恢复默认设置。</translation>
    </message>
    <message>
        <source>The settings file {path} cannot be read ({problem}); fix it or delete it to start with the defaults.</source>
        <translation>无法读取设置文件 {path}（{problem}）；请修正，或删除它以恢复默认设置。</translation>
    </message>
    <message>
        <source>The settings file {path} cannot be opened: {problem}</source>
        <translation>无法打开设置文件 {path}：{problem}</translation>
    </message>
    <message>
        <source>In the settings file {path}, {key} must be text in quotes.</source>
        <translation>设置文件 {path} 中的 {key} 必须是带引号的文本。</translation>
    </message>
    <message>
        <source>Unknown mode {mode}: choose standalone, online or offline.</source>
        <translation>未知的运行模式 {mode}：请选择 standalone（单机）、online（联网）或 offline（可离线门店）。</translation>
    </message>
    <message>
        <source>Enter the address of the chain&apos;s database (HQ) for the {mode} mode.</source>
        <translation>{mode} 模式需要填写总部数据库地址。</translation>
    </message>
    <message>
        <source>HQ&apos;s database {url} is empty: run `pointsmall --db URL db upgrade` on it once, then test again.</source>
        <translation>总部数据库 {url} 是空的：请先对它运行一次 `pointsmall --db URL db upgrade`，再测试。</translation>
    </message>
    <message>
        <source>HQ&apos;s database is older than this app (version {current}, this app needs {head}); HQ must upgrade it first.</source>
        <translation>总部数据库版本比本软件旧（版本 {current}，本软件需要 {head}）；请总部先升级数据库。</translation>
    </message>
    <message>
        <source>HQ&apos;s database is newer than this app (version {current}); install the app&apos;s update first.</source>
        <translation>总部数据库版本比本软件新（版本 {current}）；请先安装软件更新。</translation>
    </message>
    <message>
        <source>The demo has 1 to {n} members.</source>
        <translation>演示数据可含 1 至 {n} 位会员。</translation>
    </message>
    <message>
        <source>The database already has members; demo data goes into an empty database.</source>
        <translation>数据库中已有会员；演示数据只能导入空数据库。</translation>
    </message>
    <message>
        <source>This account was merged into another member&apos;s account; look the member up again by card or phone to find it.</source>
        <translation>此账户已合并到另一位会员的账户，请重新刷卡或输入手机号查找该会员。</translation>
    </message>
    <message>
        <source>This member&apos;s recent points are being reviewed; redeeming and spinning wait until a supervisor has decided.</source>
        <translation>该会员近期积分正在审核中，店长处理前不能兑换，也不能抽奖。</translation>
    </message>
    <message>
        <source>That is not a valid voucher code: a character is mistyped or two are swapped (its check character does not match). Check the code and type it again.</source>
        <translation>券码不正确：有一个字符输错，或两个字符顺序颠倒（校验位对不上）。请核对后重新输入。</translation>
    </message>
    <message>
        <source>No voucher or prize has the code {code}; check it and type it again.</source>
        <translation>没有券码为 {code} 的兑换券或奖品；请核对后重新输入。</translation>
    </message>
    <message>
        <source>Scan or type the code on the voucher or the prize slip.</source>
        <translation>请扫描或输入兑换券或奖品凭条上的券码。</translation>
    </message>
    <message>
        <source>That is not a valid voucher code: codes never use 0, O, 1, I, L or U, so {chars} was misread. Check the code and type it again.</source>
        <translation>券码不正确：券码中不会出现 0、O、1、I、L、U，{chars} 是看错了。请核对后重新输入。</translation>
    </message>
    <message>
        <source>That is not a valid voucher code: codes have only letters and digits, not {chars}. Check the code and type it again.</source>
        <translation>券码不正确：券码只有字母和数字，不含 {chars}。请核对后重新输入。</translation>
    </message>
    <message>
        <source>That is not a valid voucher code: codes have 12 characters (like K7MQ-9XH2-TD4R), this one has {n}. Check the code and type it again.</source>
        <translation>券码不正确：券码共 12 位（如 K7MQ-9XH2-TD4R），这个是 {n} 位。请核对后重新输入。</translation>
    </message>
    <message>
        <source>The image file is empty.</source>
        <translation>图片文件为空。</translation>
    </message>
    <message>
        <source>The image is larger than {mb} MB; use a smaller picture.</source>
        <translation>图片超过 {mb} MB；请换一张小一些的图片。</translation>
    </message>
    <message>
        <source>The image is too large to open safely.</source>
        <translation>图片过大，无法安全打开。</translation>
    </message>
    <message>
        <source>The file is not a readable image (it may be damaged or cut short).</source>
        <translation>文件不是可读取的图片（可能已损坏或不完整）。</translation>
    </message>
    <message>
        <source>Only JPEG, PNG, WebP, BMP and GIF images are accepted.</source>
        <translation>仅支持 JPEG、PNG、WebP、BMP 和 GIF 图片。</translation>
    </message>
    <message>
        <source>The image is {w} x {h} pixels, too large to use.</source>
        <translation>图片为 {w} x {h} 像素，尺寸过大，无法使用。</translation>
    </message>
    <message>
        <source>Members are merged from the review queue&apos;s merge case, not by their status.</source>
        <translation>会员只能在审核队列的合并案件中合并，不能通过修改状态合并。</translation>
    </message>
    <message>
        <source>This member was merged into another member; its status no longer changes.</source>
        <translation>该会员已合并到另一会员，状态不能再更改。</translation>
    </message>
    <message>
        <source>This case is not about a phone registered at two stores.</source>
        <translation>此案件不是两家门店注册同一手机号的案件。</translation>
    </message>
    <message>
        <source>A request id has 1 to 64 characters.</source>
        <translation>请求编号须为 1 到 64 个字符。</translation>
    </message>
    <message>
        <source>A member cannot be merged into itself; choose two different members.</source>
        <translation>会员不能合并到自己，请选择两个不同的会员。</translation>
    </message>
    <message>
        <source>The member who first registered this phone or card was not found; correct the phone instead.</source>
        <translation>找不到先注册此手机号或卡号的会员，请改为更正手机号。</translation>
    </message>
    <message>
        <source>Keep one of the two members of this case.</source>
        <translation>请保留本案件两个会员中的一个。</translation>
    </message>
    <message>
        <source>{name} was already merged into another member; merge into that member instead.</source>
        <translation>{name} 已合并到另一会员，请改为合并到那个会员。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is frozen; unfreeze it before merging.</source>
        <translation>{name} 的账户已冻结，请先解冻再合并。</translation>
    </message>
    <message>
        <source>{name} was already merged into another member.</source>
        <translation>{name} 已合并到另一会员。</translation>
    </message>
    <message>
        <source>No prize with the code {code}; check it and type it again.</source>
        <translation>没有券码为 {code} 的奖品；请核对后重新输入。</translation>
    </message>
    <message>
        <source>This prize was already handed over on {when} at {store}.</source>
        <translation>该奖品已于 {when} 在 {store} 领取。</translation>
    </message>
    <message>
        <source>This prize expired on {day}.</source>
        <translation>该奖品已于 {day} 过期。</translation>
    </message>
    <message>
        <source>A {what} number is 1 to 64 letters, digits or - _ / .</source>
        <translation>{what} 号为 1 至 64 位字母、数字或 - _ / .</translation>
    </message>
    <message>
        <source>The amount must be a whole number of fen.</source>
        <translation>金额须为整数分。</translation>
    </message>
    <message>
        <source>The amount must be more than zero.</source>
        <translation>金额必须大于零。</translation>
    </message>
    <message>
        <source>¥{amount} is more than one purchase can be (at most ¥{limit}); check the amount.</source>
        <translation>¥{amount} 超过单笔上限 ¥{limit}，请核对金额。</translation>
    </message>
    <message>
        <source>Receipt {receipt} already earned points ({points}) for another member or amount.</source>
        <translation>小票 {receipt} 已为其他会员或其他金额发放过积分（{points}）。</translation>
    </message>
    <message>
        <source>No purchase with receipt {receipt} at this store.</source>
        <translation>本店没有小票号为 {receipt} 的消费记录。</translation>
    </message>
    <message>
        <source>Refund {refund} was already recorded for another receipt or amount.</source>
        <translation>退款单 {refund} 已按其他小票或金额登记过。</translation>
    </message>
    <message>
        <source>That is not a valid referral code; check it and type it again.</source>
        <translation>邀请码无效，请核对后重新输入。</translation>
    </message>
    <message>
        <source>No member has the referral code {code}; check it and type it again.</source>
        <translation>没有会员使用邀请码 {code}，请核对后重新输入。</translation>
    </message>
    <message>
        <source>This member was already invited by {name}.</source>
        <translation>该会员已由 {name} 邀请过。</translation>
    </message>
    <message>
        <source>A member cannot use their own referral code.</source>
        <translation>会员不能使用自己的邀请码。</translation>
    </message>
    <message>
        <source>Only a member who joined after {name} can use their code.</source>
        <translation>只有在 {name} 之后入会的会员才能使用其邀请码。</translation>
    </message>
    <message>
        <source>A referral code counts only before the member&apos;s first purchase.</source>
        <translation>邀请码只能在会员首次消费之前登记。</translation>
    </message>
    <message>
        <source>Unknown review status: {status}</source>
        <translation>未知的审核状态：{status}</translation>
    </message>
    <message>
        <source>Merge the two members or correct the phone from the case itself.</source>
        <translation>请在案件中合并两个会员或更正手机号。</translation>
    </message>
    <message>
        <source>Decide approve, reject or resolve.</source>
        <translation>请选择通过、驳回或已处理。</translation>
    </message>
    <message>
        <source>Keep the note under {n} characters.</source>
        <translation>备注请少于 {n} 个字。</translation>
    </message>
    <message>
        <source>This case names no member whose points could be taken back.</source>
        <translation>此案件没有关联会员，无法收回积分。</translation>
    </message>
    <message>
        <source>No such review case.</source>
        <translation>找不到该审核案件。</translation>
    </message>
    <message>
        <source>This case was already decided ({status}).</source>
        <translation>此案件已处理（{status}）。</translation>
    </message>
    <message>
        <source>A case of this kind cannot be {decision}.</source>
        <translation>此类案件不能选择“{decision}”。</translation>
    </message>
    <message>
        <source>This case was already decided.</source>
        <translation>此案件已处理。</translation>
    </message>
    <message>
        <source>A rule needs a name of 1 to 64 characters.</source>
        <translation>规则名称需为 1 到 64 个字。</translation>
    </message>
    <message>
        <source>A rule watches points, sign-ins or task rewards.</source>
        <translation>规则监控的对象须为积分、签到或任务奖励。</translation>
    </message>
    <message>
        <source>The window is 1 minute to 31 days.</source>
        <translation>时间窗口为 1 分钟到 31 天。</translation>
    </message>
    <message>
        <source>The threshold is a whole number from 1 to 1,000,000.</source>
        <translation>阈值须为 1 到 1,000,000 之间的整数。</translation>
    </message>
    <message>
        <source>Blocking and active are on or off.</source>
        <translation>“禁止兑换”和“启用”只能是开或关。</translation>
    </message>
    <message>
        <source>No such abuse rule.</source>
        <translation>找不到该风控规则。</translation>
    </message>
    <message>
        <source>The setting {name} must be a whole number.</source>
        <translation>设置项 {name} 须为整数。</translation>
    </message>
    <message>
        <source>Only the store&apos;s local SQLite database can be an offline replica.</source>
        <translation>只有门店本地的 SQLite 数据库才能作为离线副本。</translation>
    </message>
    <message>
        <source>This database is the replica of store {store}; it cannot serve store {other}.</source>
        <translation>此数据库是门店 {store} 的副本，不能用于门店 {other}。</translation>
    </message>
    <message>
        <source>Pruning the change log is head office&apos;s job: run it on the chain&apos;s PostgreSQL (pointsmall-admin sync prune --chain URL), not on {database}.</source>
        <translation>清理变更日志由总部执行：请在连锁总部的 PostgreSQL 数据库上运行（pointsmall-admin sync prune --chain URL），而不是在 {database} 上。</translation>
    </message>
    <message>
        <source>Head office&apos;s database is at schema {theirs}, this program at {ours}: update the program or head office&apos;s database first.</source>
        <translation>总部数据库的结构版本为 {theirs}，本程序为 {ours}：请先更新程序或总部数据库。</translation>
    </message>
    <message>
        <source>The sync stopped: {reason}</source>
        <translation>同步已停止：{reason}</translation>
    </message>
    <message>
        <source>The sync stopped: event {event} (number {seq}) of store {store} was already received with different content. Nothing was overwritten; call head office support.</source>
        <translation>同步已停止：门店 {store} 的事件 {event}（第 {seq} 号）此前已以不同内容收到。没有覆盖任何数据；请联系总部技术支持。</translation>
    </message>
    <message>
        <source>The sync stopped: head office has event number {seq} of store {store} under another id. Was this computer restored from an old backup? Call head office support.</source>
        <translation>同步已停止：总部已有门店 {store} 的第 {seq} 号事件，但事件编号不同。这台电脑是否从旧备份恢复过？请联系总部技术支持。</translation>
    </message>
    <message>
        <source>The sync stopped: event {event} arrived damaged (its content does not match its fingerprint). Nothing was applied; try again, and call head office support if it happens again.</source>
        <translation>同步已停止：事件 {event} 在传输中损坏（内容与其指纹不符）。未应用任何内容；请重试，如再次出现请联系总部技术支持。</translation>
    </message>
    <message>
        <source>The sync stopped: this computer synced as store {before} before and now says it is store {now}. Check the store code in Settings → Database and sync; nothing was changed.</source>
        <translation>同步已停止：这台电脑之前以门店 {before} 的身份同步，现在却自称门店 {now}。请在“设置 → 数据库与同步”中检查门店代码；未做任何修改。</translation>
    </message>
    <message>
        <source>The sync stopped: this computer holds records head office has not received, and a full copy from head office would hide them. Sync them first, or call head office support.</source>
        <translation>同步已停止：这台电脑上有总部尚未收到的记录，从总部完整复制会把它们覆盖。请先同步这些记录，或联系总部技术支持。</translation>
    </message>
    <message>
        <source>The sync stopped: this computer&apos;s copy is older than what head office already has from it (was it restored from a backup?), so records or changes since then could be missing. Nothing was changed; call head office support.</source>
        <translation>同步已停止：这台电脑上的数据比总部已收到的更旧（是否从备份恢复过？），之后的记录或变更可能缺失。未做任何修改，请联系总部技术支持。</translation>
    </message>
    <message>
        <source>This database is not set up as an offline store&apos;s replica; run the first sync from head office.</source>
        <translation>此数据库尚未设置为离线门店的副本；请先从总部进行首次同步。</translation>
    </message>
    <message>
        <source>This replica belongs to store {store}, which head office&apos;s database does not know.</source>
        <translation>此副本属于门店 {store}，但总部数据库中没有这家门店。</translation>
    </message>
    <message>
        <source>Changing a member&apos;s details needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能修改会员资料：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Freezing or unfreezing a member needs the connection to head office: this till works on the store&apos;s offline copy. Ask head office or a till connected to it.</source>
        <translation>需要连接总部才能冻结或解冻会员：本收银台使用的是门店的离线副本。请联系总部，或在连接总部的收银台上操作。</translation>
    </message>
    <message>
        <source>Changing a member&apos;s tier needs the connection to head office: this till works on the store&apos;s offline copy. Ask head office or a till connected to it.</source>
        <translation>需要连接总部才能修改会员等级：本收银台使用的是门店的离线副本。请联系总部，或在连接总部的收银台上操作。</translation>
    </message>
    <message>
        <source>Editing the catalog needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能编辑商品：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Changing campaigns needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能修改营销活动：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Changing the points rules needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能修改积分规则：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Changing the tiers needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能修改会员等级设置：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Setting up wheels, sign-in rules and tasks needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能设置转盘、签到规则和任务：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Changing the abuse rules needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能修改风险规则：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Adding or changing staff accounts and passwords needs the connection to head office: this till works on the store&apos;s offline copy, which head office&apos;s data would overwrite. Make the change at a till connected to head office.</source>
        <translation>需要连接总部才能添加或修改员工账号和密码：本收银台使用的是门店的离线副本，总部的数据会覆盖这里的修改。请在连接总部的收银台上修改。</translation>
    </message>
    <message>
        <source>Deciding a review case needs the connection to head office: this till works on the store&apos;s offline copy, and the case would come back open with the next sync. Decide it at a till connected to head office.</source>
        <translation>需要连接总部才能处理审核案件：本收银台使用的是门店的离线副本，下次同步时案件会重新变为待处理。请在连接总部的收银台上处理。</translation>
    </message>
    <message>
        <source>The monthly tier evaluation needs the connection to head office: this till works on the store&apos;s offline copy, whose tiers head office&apos;s data would overwrite. Tier-ups from purchases at this till still count.</source>
        <translation>需要连接总部才能进行每月会员等级评定：本收银台使用的是门店的离线副本，总部的数据会覆盖这里评定的等级。本收银台消费带来的升级照常有效。</translation>
    </message>
    <message>
        <source>The abuse scan needs the connection to head office: this till works on the store&apos;s offline copy and sees only its own store&apos;s earnings, and the cases it opened would stay on this computer.</source>
        <translation>需要连接总部才能进行风险扫描：本收银台使用的是门店的离线副本，只能看到本店的积分获取记录，扫描开出的案件也只会留在这台电脑上。</translation>
    </message>
    <message>
        <source>Already done; this task pays {times} time(s) in all.</source>
        <translation>已完成；此任务共可奖励 {times} 次。</translation>
    </message>
    <message>
        <source>This task is switched off.</source>
        <translation>此任务已停用。</translation>
    </message>
    <message>
        <source>This task is not running today.</source>
        <translation>此任务今天不在活动期内。</translation>
    </message>
    <message>
        <source>This task completes by itself with the member&apos;s first purchase.</source>
        <translation>此任务在会员首次消费时自动完成。</translation>
    </message>
    <message>
        <source>This task pays by itself when an invited friend makes a first purchase.</source>
        <translation>受邀好友首次消费时，此任务自动发放奖励。</translation>
    </message>
    <message>
        <source>The profile is not complete yet: add the member&apos;s birthday first.</source>
        <translation>资料尚未完善：请先填写会员生日。</translation>
    </message>
    <message>
        <source>This task counts only in the member&apos;s birthday month.</source>
        <translation>此任务仅在会员生日当月有效。</translation>
    </message>
    <message>
        <source>Already done today ({times} a day); come back tomorrow.</source>
        <translation>今天已完成（每天 {times} 次），请明天再来。</translation>
    </message>
    <message>
        <source>Already done this year.</source>
        <translation>今年已完成。</translation>
    </message>
    <message>
        <source>A task needs a name of 1 to 64 characters.</source>
        <translation>任务名称需为 1 到 64 个字。</translation>
    </message>
    <message>
        <source>Keep the description under {n} characters.</source>
        <translation>说明请少于 {n} 个字。</translation>
    </message>
    <message>
        <source>Choose what kind of task this is and what completes it.</source>
        <translation>请选择任务类型以及完成方式。</translation>
    </message>
    <message>
        <source>A task pays 1 to 100,000 points.</source>
        <translation>任务奖励为 1 到 100,000 积分。</translation>
    </message>
    <message>
        <source>This task can be rewarded only once.</source>
        <translation>此任务只能奖励一次。</translation>
    </message>
    <message>
        <source>A task can be rewarded 1 to 100 times.</source>
        <translation>任务可奖励 1 到 100 次。</translation>
    </message>
    <message>
        <source>The last day is before the first day.</source>
        <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
        <source>The order is a whole number and active is on or off.</source>
        <translation>排序须为整数，“启用”只能是开或关。</translation>
    </message>
    <message>
        <source>No such task.</source>
        <translation>找不到该任务。</translation>
    </message>
    <message>
        <source>This task has already paid rewards; its kind and trigger stay. Make a new task instead.</source>
        <translation>此任务已发放过奖励，类型和完成方式不能再改。请另建新任务。</translation>
    </message>
    <message>
        <source>That is not a valid voucher code; check it and type it again.</source>
        <translation>券码格式不正确；请核对后重新输入。</translation>
    </message>
    <message>
        <source>No voucher with the code {code}; check it and type it again.</source>
        <translation>没有券码为 {code} 的兑换券；请核对后重新输入。</translation>
    </message>
    <message>
        <source>This voucher was already used on {when} at {store}.</source>
        <translation>该券码已于 {when} 在 {store} 核销。</translation>
    </message>
    <message>
        <source>This voucher was cancelled with its redemption.</source>
        <translation>该券码已随兑换一起取消。</translation>
    </message>
    <message>
        <source>This voucher expired on {day}.</source>
        <translation>该券码已于 {day} 过期。</translation>
    </message>
    <message>
        <source>A spin costs {cost} points; the balance is {balance}.</source>
        <translation>抽一次需 {cost} 积分，当前余额 {balance}。</translation>
    </message>
    <message>
        <source>Segment {n} needs a label of 1 to 32 characters.</source>
        <translation>第 {n} 格的名称须为 1 至 32 个字。</translation>
    </message>
    <message>
        <source>Segment {n} needs a colour like #E5484D.</source>
        <translation>第 {n} 格须设置颜色，如 #E5484D。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s weight must be a whole number from 0 to 1,000,000.</source>
        <translation>第 {n} 格的权重须为 0 至 1,000,000 的整数。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s stock must be 0 to 1,000,000, or empty for no limit.</source>
        <translation>第 {n} 格的库存须为 0 至 1,000,000，留空表示不限。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s value must be 0 to 1,000,000 points.</source>
        <translation>第 {n} 格的奖励须为 0 至 1,000,000 积分。</translation>
    </message>
    <message>
        <source>A wheel needs a name of 1 to 64 characters.</source>
        <translation>大转盘名称须为 1 至 64 个字。</translation>
    </message>
    <message>
        <source>The wheel must close after it opens.</source>
        <translation>大转盘的结束时间须晚于开始时间。</translation>
    </message>
    <message>
        <source>A wheel has {low} to {high} segments.</source>
        <translation>大转盘须有 {low} 至 {high} 格。</translation>
    </message>
    <message>
        <source>At least one segment needs a weight above zero.</source>
        <translation>至少一格的权重须大于零。</translation>
    </message>
    <message>
        <source>The fallback segment must be a “thanks for playing” segment: a spin lands there when a prize is out of stock or the budget is spent.</source>
        <translation>兜底格必须是“谢谢参与”：奖品无库存或预算用完时，转盘会落在这一格。</translation>
    </message>
    <message>
        <source>A spin costs 0 to 1,000,000 points.</source>
        <translation>每次抽奖消耗须为 0 至 1,000,000 积分。</translation>
    </message>
    <message>
        <source>Free spins are 0 to 100 a day for each tier.</source>
        <translation>各等级每天免费抽奖次数须为 0 至 100 次。</translation>
    </message>
    <message>
        <source>The budget must be 0 to 2,000,000,000 points, or empty for none.</source>
        <translation>预算须为 0 至 2,000,000,000 积分，留空表示不限。</translation>
    </message>
    <message>
        <source>A pity counter needs at least one prize segment with a weight.</source>
        <translation>保底需要至少一个有权重的奖品格。</translation>
    </message>
    <message>
        <source>This wheel is paused.</source>
        <translation>该大转盘已暂停。</translation>
    </message>
    <message>
        <source>Offline, a member can spend at most {cap} points a day before head office confirms them; this would make {spent}. Try again once the store is back online.</source>
        <translation>离线时，每位会员每天在总部确认前最多可使用 {cap} 积分；本次之后将达到 {spent}。请在门店恢复联网后再试。</translation>
    </message>
    <message>
        <source>Offline, this store can take at most {cap} points before head office confirms them; this would make {spent}. Try again once the store is back online.</source>
        <translation>离线时，本店在总部确认前最多可收取 {cap} 积分；本次之后将达到 {spent}。请在门店恢复联网后再试。</translation>
    </message>
    <message>
        <source>An offline cap is a whole number of points from 0 to 10,000,000, or none.</source>
        <translation>离线上限须为 0 至 10,000,000 之间的整数积分，或不设上限。</translation>
    </message>
    <message>
        <source>This wheel opens at {when}.</source>
        <translation>该大转盘将于 {when} 开始。</translation>
    </message>
    <message>
        <source>This wheel closed at {when}.</source>
        <translation>该大转盘已于 {when} 结束。</translation>
    </message>
    <message>
        <source>All {n} spins for today are used; come back tomorrow.</source>
        <translation>今天的 {n} 次抽奖已用完，明天再来吧。</translation>
    </message>
    <message>
        <source>All {n} spins on this wheel are used.</source>
        <translation>该大转盘的 {n} 次抽奖已用完。</translation>
    </message>
    <message>
        <source>This spin request was already used for another member or wheel.</source>
        <translation>该抽奖请求已用于其他会员或转盘。</translation>
    </message>
    <message>
        <source>No such wheel.</source>
        <translation>没有这个大转盘。</translation>
    </message>
    <message>
        <source>A member may spin 1 to 1,000 times a day, or leave the daily cap empty.</source>
        <translation>每人每天可抽 1 至 1,000 次，或不填每日上限。</translation>
    </message>
    <message>
        <source>A member may spin 1 to 1,000,000 times in all, or leave the total cap empty.</source>
        <translation>每人累计可抽 1 至 1,000,000 次，或不填累计上限。</translation>
    </message>
    <message>
        <source>The pity counter is 1 to 1,000 spins without a prize, or empty for none.</source>
        <translation>保底为连续 1 至 1,000 次未中奖，留空表示不设保底。</translation>
    </message>
    <message>
        <source>Segment {n} has an unknown prize type.</source>
        <translation>第 {n} 格的奖品类型未知。</translation>
    </message>
    <message>
        <source>Segment {n} pays 1 to 1,000,000 points.</source>
        <translation>第 {n} 格的奖励须为 1 至 1,000,000 积分。</translation>
    </message>
    <message>
        <source>The budget cannot be less than the {spent} points already paid out.</source>
        <translation>预算不能少于已发出的 {spent} 积分。</translation>
    </message>
    <message>
        <source>At about {per_spin} points a spin, the budget left ({left}) pays for about {spins} spins, fewer than the {expected} expected: prizes will fall to the fallback early.</source>
        <translation>按每次约 {per_spin} 积分计，剩余预算（{left}）约够 {spins} 次，少于预计的 {expected} 次：奖品会提前落到兜底格。</translation>
    </message>
    <message>
        <source>Choose the catalog item segment {n} gives.</source>
        <translation>请为第 {n} 格选择奖品商品。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s catalog item no longer exists.</source>
        <translation>第 {n} 格的奖品商品已不存在。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s coupon needs a face value of ¥0.01 to ¥100,000.</source>
        <translation>第 {n} 格优惠券的面值须为 ¥0.01 至 ¥100,000。</translation>
    </message>
    <message>
        <source>Segment {n}&apos;s coupon must stay valid for 1 to 3,650 days.</source>
        <translation>第 {n} 格优惠券的有效期须为 1 至 3,650 天。</translation>
    </message>
    <message>
        <source>Only ¥{left} of this receipt is left to refund.</source>
        <translation>该小票仅剩 ¥{left} 可退。</translation>
    </message>
    <message>
        <source>Enter a whole number of points other than zero.</source>
        <translation>请输入不为零的整数积分。</translation>
    </message>
    <message>
        <source>One adjustment is at most {n} points.</source>
        <translation>单次调整最多 {n} 积分。</translation>
    </message>
    <message>
        <source>Choose a reason category.</source>
        <translation>请选择原因类别。</translation>
    </message>
    <message>
        <source>Write a note saying why (at least 2 characters).</source>
        <translation>请填写备注说明原因（至少 2 个字）。</translation>
    </message>
    <message>
        <source>The note is at most 500 characters.</source>
        <translation>备注最多 500 个字。</translation>
    </message>
    <message>
        <source>This adjustment request was already used for different values.</source>
        <translation>该调整请求已用于其他数值。</translation>
    </message>
    <message>
        <source>The approver must be a different staff member.</source>
        <translation>审批人必须是另一位员工。</translation>
    </message>
    <message>
        <source>On hold until a supervisor has reviewed this member.</source>
        <translation>待店长审核后才能兑换或抽奖。</translation>
    </message>
</context>
<context>
    <name>EarningTab</name>
    <message>
        <source> points per ¥1</source>
        <translation> 积分/元</translation>
    </message>
    <message>
        <source> months</source>
        <translation> 个月</translation>
    </message>
    <message>
        <source> points</source>
        <translation> 积分</translation>
    </message>
    <message>
        <source>Save rules</source>
        <translation>保存规则</translation>
    </message>
    <message>
        <source>Points for a purchase = amount × base rate × tier multiplier × any campaign multiplier, rounded down. Each purchase&apos;s points are a lot with its own expiry date; spending uses the soonest-expiring first.</source>
        <translation>消费积分 = 金额 × 基础比例 × 等级倍数 × 活动倍数，向下取整。每笔消费的积分单独计算有效期；使用积分时先扣最早到期的。</translation>
    </message>
    <message>
        <source>Base rate</source>
        <translation>基础比例</translation>
    </message>
    <message>
        <source>Points expire after</source>
        <translation>积分有效期</translation>
    </message>
    <message>
        <source>Adjustments need a second person above</source>
        <translation>调整超过此数需第二人审批</translation>
    </message>
    <message>
        <source>Largest purchase (¥)</source>
        <translation>单笔消费上限（¥）</translation>
    </message>
    <message>
        <source>Earning rules</source>
        <translation>积分规则</translation>
    </message>
    <message>
        <source>Only operators and administrators can change the earning rules.</source>
        <translation>只有运营和管理员可以修改积分规则。</translation>
    </message>
    <message>
        <source>¥1 earns 1 point</source>
        <translation>每消费 ¥1 得 1 积分</translation>
    </message>
    <message>
        <source>¥1 earns {n} points</source>
        <translation>每消费 ¥1 得 {n} 积分</translation>
    </message>
    <message>
        <source>points expire at the end of the {nth} month after they are earned.</source>
        <translation>积分在获得后第 {nth} 个月月底到期。</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>Adjustments above {n} points need a second staff member&apos;s approval.</source>
        <translation>调整超过 {n} 积分需另一位员工审批。</translation>
    </message>
    <message>
        <source>A purchase above {amount} is refused as a likely typo.</source>
        <translation>单笔消费超过 {amount} 视为误输，将被拒绝。</translation>
    </message>
    <message>
        <source>Enter an amount like 1000 or 1000.50.</source>
        <translation>请输入金额，如 1000 或 1000.50。</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>没有改动。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>ExpectedCostPanel</name>
    <message>
        <source>What a spin costs</source>
        <translation>每次抽奖的成本</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>扇区</translation>
    </message>
    <message>
        <source>Chance</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>价值</translation>
    </message>
    <message>
        <source>Exact for the weights and the pity counter; stock running out moves spins to the fallback, so the real cost can only be lower.</source>
        <translation>按权重和保底精确计算；奖品库存用完后会落到兜底扇区，所以实际成本只会更低。</translation>
    </message>
    <message>
        <source>About {points} points paid out per spin</source>
        <translation>每次抽奖约送出 {points} 积分</translation>
    </message>
    <message>
        <source>Spins are free: every prize is a cost to the store.</source>
        <translation>免费抽奖：每个奖品都是门店的成本。</translation>
    </message>
    <message>
        <source>Payout ratio {ratio} of the {cost}-point spin cost</source>
        <translation>返奖率 {ratio}（每次抽奖消耗 {cost} 积分）</translation>
    </message>
    <message>
        <source>(pays out more than it takes in)</source>
        <translation>（送出多于收入）</translation>
    </message>
    <message>
        <source>{share} of spins win a prize (pity counter included)</source>
        <translation>{share} 的抽奖会中奖（含保底）</translation>
    </message>
    <message>
        <source>No budget: prizes are limited only by their stock.</source>
        <translation>未设预算：奖品只受库存限制。</translation>
    </message>
    <message>
        <source>Budget {left} points left; no spin costs the budget anything.</source>
        <translation>预算剩余 {left} 积分；抽奖不消耗预算。</translation>
    </message>
    <message>
        <source>The budget left ({left} points) pays for about {spins} spins.</source>
        <translation>剩余预算（{left} 积分）约够 {spins} 次抽奖。</translation>
    </message>
</context>
<context>
    <name>FirstPullDialog</name>
    <message>
        <source>First sync with HQ</source>
        <translation>首次与总部同步</translation>
    </message>
    <message>
        <source>Copying the chain&apos;s members and balances to this store…</source>
        <translation>正在把连锁的会员和积分复制到本店…</translation>
    </message>
    <message>
        <source>This store&apos;s first sync with HQ: connecting…</source>
        <translation>本店首次与总部同步：正在连接…</translation>
    </message>
    <message>
        <source>This store&apos;s first sync with HQ could not finish:
{error}
Trying again in {seconds} s.</source>
        <translation>本店首次与总部同步未能完成：
{error}
{seconds} 秒后重试。</translation>
    </message>
    <message>
        <source>Copying the chain&apos;s members and balances to this store: {done} of {total}…</source>
        <translation>正在把连锁的会员和积分复制到本店：{done} / {total}…</translation>
    </message>
</context>
<context>
    <name>GamesForm</name>
    <message>
        <source>Type a whole number, like 5 (no decimals, no minus sign).</source>
        <translation>请输入整数，例如 5（不要小数，不要负号）。</translation>
    </message>
    <message>
        <source>Type an amount in yuan, like 5 or 9.90.</source>
        <translation>请输入金额（元），例如 5 或 9.90。</translation>
    </message>
</context>
<context>
    <name>GamesPage</name>
    <message>
        <source>No member — find the member at the counter to sign in or spin.</source>
        <translation>未选择会员 — 请先在收银台找到会员，再签到或抽奖。</translation>
    </message>
    <message>
        <source>Your role may not sign members in.</source>
        <translation>您的角色不能为会员签到。</translation>
    </message>
    <message>
        <source>No member is being served: find the member at the counter first.</source>
        <translation>当前没有服务中的会员：请先在收银台找到会员。</translation>
    </message>
    <message>
        <source>Make-up sign-in (补签)</source>
        <translation>补签</translation>
    </message>
    <message>
        <source>Make up {day} for {cost} points?</source>
        <translation>为 {day} 补签，扣除 {cost} 积分？</translation>
    </message>
    <message>
        <source>The streak carries on over that day. Balance {balance}; make-ups left this month: {left}.</source>
        <translation>补签后连续签到不中断。当前余额 {balance}；本月还可补签 {left} 次。</translation>
    </message>
    <message>
        <source>Make up</source>
        <translation>补签</translation>
    </message>
    <message>
        <source>No wheel is open now.</source>
        <translation>当前没有进行中的转盘。</translation>
    </message>
    <message>
        <source>Spinning…</source>
        <translation>转盘转动中…</translation>
    </message>
    <message>
        <source>Good luck!</source>
        <translation>祝您好运！</translation>
    </message>
    <message>
        <source>{name} won {points} points! Balance {balance}</source>
        <translation>{name} 抽中 {points} 积分！余额 {balance}</translation>
    </message>
    <message>
        <source>Congratulations! You won {points} points</source>
        <translation>恭喜您！抽中 {points} 积分</translation>
    </message>
    <message>
        <source>{name} won {prize}! Prize code {code}</source>
        <translation>{name} 抽中 {prize}！奖品券码 {code}</translation>
    </message>
    <message>
        <source>Congratulations! You won {prize}</source>
        <translation>恭喜您！抽中 {prize}</translation>
    </message>
    <message>
        <source>Thanks for playing — better luck next time.</source>
        <translation>谢谢参与，下次好运。</translation>
    </message>
    <message>
        <source>(The prize drawn has run out.)</source>
        <translation>（抽中的奖品已发完。）</translation>
    </message>
    <message>
        <source>Thanks for playing — better luck next time!</source>
        <translation>谢谢参与，下次好运！</translation>
    </message>
</context>
<context>
    <name>GamesSetupPage</name>
    <message>
        <source>Daily sign-in</source>
        <translation>每日签到</translation>
    </message>
    <message>
        <source>Spin wheels</source>
        <translation>大转盘</translation>
    </message>
    <message>
        <source>Tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Abuse rules</source>
        <translation>风险规则</translation>
    </message>
</context>
<context>
    <name>GrowthEdit</name>
    <message>
        <source>points</source>
        <translation>积分</translation>
    </message>
</context>
<context>
    <name>ImageDropArea</name>
    <message>
        <source>No picture yet.
Drop an image here.</source>
        <translation>暂无图片。
将图片拖到这里。</translation>
    </message>
</context>
<context>
    <name>ImportReportModel</name>
    <message>
        <source>Row</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <source>What importing does</source>
        <translation>导入结果</translation>
    </message>
    <message>
        <source>New item</source>
        <translation>新增商品</translation>
    </message>
    <message>
        <source>Updates the item</source>
        <translation>更新商品</translation>
    </message>
    <message>
        <source>No change</source>
        <translation>无变化</translation>
    </message>
</context>
<context>
    <name>ItemEditorDialog</name>
    <message>
        <source>New item</source>
        <translation>新建商品</translation>
    </message>
    <message>
        <source>Edit item — {name}</source>
        <translation>编辑商品 — {name}</translation>
    </message>
    <message>
        <source>e.g. CUP-50</source>
        <translation>如 CUP-50</translation>
    </message>
    <message>
        <source>e.g. 满50元无门槛券</source>
        <translation>如：满50元无门槛券</translation>
    </message>
    <message>
        <source>Pick or type a category</source>
        <translation>选择或输入分类</translation>
    </message>
    <message>
        <source>Points, e.g. 1000</source>
        <translation>积分，如 1000</translation>
    </message>
    <message>
        <source>Optional, e.g. 9.90</source>
        <translation>选填，如 9.90</translation>
    </message>
    <message>
        <source>Yuan, e.g. 50</source>
        <translation>元，如 50</translation>
    </message>
    <message>
        <source>Days, e.g. 30</source>
        <translation>天数，如 30</translation>
    </message>
    <message>
        <source>What the member gets, shown in the mall</source>
        <translation>商城中展示给会员的说明</translation>
    </message>
    <message>
        <source>Unlimited (a service, an e-coupon)</source>
        <translation>不限（服务、电子券）</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Only from a set time</source>
        <translation>仅从指定时间起</translation>
    </message>
    <message>
        <source>Only until a set time</source>
        <translation>仅到指定时间止</translation>
    </message>
    <message>
        <source>On sale in the mall</source>
        <translation>在积分商城上架</translation>
    </message>
    <message>
        <source>Choose picture…</source>
        <translation>选择图片…</translation>
    </message>
    <message>
        <source>JPEG, PNG, WebP, BMP or GIF up to {mb} MB. Drop a file on the picture, or choose one.</source>
        <translation>支持 JPEG、PNG、WebP、BMP、GIF，最大 {mb} MB。可拖放文件到图片处，或点击选择。</translation>
    </message>
    <message>
        <source>A new item has no stock: add it with Restock after saving.</source>
        <translation>新商品无库存，保存后用“补货”添加。</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>商品编码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Price (points)</source>
        <translation>价格（积分）</translation>
    </message>
    <message>
        <source>Cash part (¥)</source>
        <translation>另付现金（¥）</translation>
    </message>
    <message>
        <source>Face value (¥)</source>
        <translation>面值（¥）</translation>
    </message>
    <message>
        <source>Valid for (days)</source>
        <translation>有效期（天）</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Per redemption</source>
        <translation>每次限兑</translation>
    </message>
    <message>
        <source>Per member a day</source>
        <translation>每人每天限兑</translation>
    </message>
    <message>
        <source>Per member in all</source>
        <translation>每人累计限兑</translation>
    </message>
    <message>
        <source>Min. tier</source>
        <translation>最低等级</translation>
    </message>
    <message>
        <source>Available from</source>
        <translation>兑换开始</translation>
    </message>
    <message>
        <source>Available until</source>
        <translation>兑换截止</translation>
    </message>
    <message>
        <source>Create item</source>
        <translation>创建商品</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Type a whole number, like 5.</source>
        <translation>请输入整数，如 5。</translation>
    </message>
    <message>
        <source>Type an amount in yuan, like 50 or 9.90.</source>
        <translation>请输入金额（元），如 50 或 9.90。</translation>
    </message>
    <message>
        <source>Choose a picture</source>
        <translation>选择图片</translation>
    </message>
    <message>
        <source>Pictures ({patterns})</source>
        <translation>图片 ({patterns})</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>所有文件 (*)</translation>
    </message>
    <message>
        <source>The file could not be read: {detail}</source>
        <translation>无法读取文件：{detail}</translation>
    </message>
    <message>
        <source>New picture, {w} × {h}: saved with the item.</source>
        <translation>新图片，{w} × {h}：随商品一起保存。</translation>
    </message>
</context>
<context>
    <name>ItemTileDelegate</name>
    <message>
        <source>Unlimited</source>
        <translation>不限量</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>已兑完</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>{points} points</source>
        <translation>{points} 积分</translation>
    </message>
    <message>
        <source>{n} left</source>
        <translation>剩 {n} 件</translation>
    </message>
</context>
<context>
    <name>LanguageTab</name>
    <message>
        <source>Interface language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>The window is rebuilt in the chosen language; this till keeps the choice for the next start. Names of tiers and benefits are shown in the chosen language too.</source>
        <translation>窗口将以所选语言重建；本收银台下次启动时沿用此选择。等级名称和权益也以所选语言显示。</translation>
    </message>
    <message>
        <source>Apply language</source>
        <translation>应用语言</translation>
    </message>
    <message>
        <source>This language is already in use.</source>
        <translation>当前已在使用该语言。</translation>
    </message>
</context>
<context>
    <name>LedgerTableModel</name>
    <message>
        <source>Purchase</source>
        <translation>消费积分</translation>
    </message>
    <message>
        <source>Adjustment</source>
        <translation>手动调整</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>积分过期</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款扣回</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>批量导入</translation>
    </message>
    <message>
        <source>Redemption</source>
        <translation>积分兑换</translation>
    </message>
    <message>
        <source>Redemption cancelled</source>
        <translation>取消兑换</translation>
    </message>
    <message>
        <source>Sign-in</source>
        <translation>签到</translation>
    </message>
    <message>
        <source>Make-up sign-in</source>
        <translation>补签</translation>
    </message>
    <message>
        <source>Sign-in bonus</source>
        <translation>签到奖励</translation>
    </message>
    <message>
        <source>Wheel spin</source>
        <translation>大转盘抽奖</translation>
    </message>
    <message>
        <source>Wheel prize</source>
        <translation>大转盘奖品</translation>
    </message>
    <message>
        <source>Task reward</source>
        <translation>任务奖励</translation>
    </message>
    <message>
        <source>Reversed after review</source>
        <translation>审核后撤销</translation>
    </message>
    <message>
        <source>Account merge</source>
        <translation>账户合并</translation>
    </message>
    <message>
        <source>Goodwill</source>
        <translation>补偿</translation>
    </message>
    <message>
        <source>Correction</source>
        <translation>更正</translation>
    </message>
    <message>
        <source>Promotion</source>
        <translation>促销活动</translation>
    </message>
    <message>
        <source>Migration</source>
        <translation>旧系统迁移</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Reason / note</source>
        <translation>原因 / 备注</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>到期日</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>pointsmall — log in</source>
        <translation>积分商城 — 登录</translation>
    </message>
    <message>
        <source>Points mall</source>
        <translation>积分商城</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password or PIN</source>
        <translation>密码或 PIN</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Enter your user name and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>There are no staff accounts yet. Create one with &apos;pointsmall staff add --username NAME --role admin&apos;, or load demo data with &apos;pointsmall demo --members 2000&apos;.</source>
        <translation>还没有员工账号。请用“pointsmall staff add --username NAME --role admin”创建，或用“pointsmall demo --members 2000”载入演示数据。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>pointsmall — Points mall</source>
        <translation>积分商城</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>收银台</translation>
    </message>
    <message>
        <source>Mall</source>
        <translation>积分商城</translation>
    </message>
    <message>
        <source>Games</source>
        <translation>游戏</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Catalog</source>
        <translation>商品管理</translation>
    </message>
    <message>
        <source>Games setup</source>
        <translation>游戏设置</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Store: {name} ({code})</source>
        <translation>门店：{name}（{code}）</translation>
    </message>
    <message>
        <source>Staff: {name} · {role}</source>
        <translation>员工：{name} · {role}</translation>
    </message>
    <message>
        <source>Database: {db}</source>
        <translation>数据库：{db}</translation>
    </message>
    <message>
        <source>Phone numbers are masked</source>
        <translation>手机号已脱敏显示</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>运营</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
</context>
<context>
    <name>MallMemberStrip</name>
    <message>
        <source>Points balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <source>No member — browsing the catalog. Find the member at the counter to redeem.</source>
        <translation>未选会员 — 仅浏览商品。兑换请先在收银台查找会员。</translation>
    </message>
</context>
<context>
    <name>MallPage</name>
    <message>
        <source>Redeem…</source>
        <translation>兑换…</translation>
    </message>
    <message>
        <source>Items</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Vouchers and prizes</source>
        <translation>核销券码与奖品</translation>
    </message>
    <message>
        <source>Redemption history</source>
        <translation>兑换记录</translation>
    </message>
    <message>
        <source>No item matches the filters.</source>
        <translation>没有符合筛选条件的商品。</translation>
    </message>
    <message>
        <source>Choose an item: arrows and Enter, or double-click a tile.</source>
        <translation>选择商品：方向键加回车，或双击商品。</translation>
    </message>
    <message>
        <source>Find the member at the counter to redeem.</source>
        <translation>兑换请先在收银台查找会员。</translation>
    </message>
    <message>
        <source>{name} can redeem this: press Enter.</source>
        <translation>{name} 可兑换此商品：按回车。</translation>
    </message>
    <message>
        <source>No member is being served: find the member at the counter first.</source>
        <translation>当前没有会员：请先在收银台查找会员。</translation>
    </message>
    <message>
        <source>Redeemed {item} × {n}, balance {balance}</source>
        <translation>已兑换 {item} × {n}，积分余额 {balance}</translation>
    </message>
    <message>
        <source>Some pictures could not be loaded: {detail}</source>
        <translation>部分图片无法加载：{detail}</translation>
    </message>
</context>
<context>
    <name>MemberCard</name>
    <message>
        <source>Points balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <source>{phone} · card {card}</source>
        <translation>{phone} · 卡号 {card}</translation>
    </message>
    <message>
        <source>{tier} benefits</source>
        <translation>{tier}权益</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>{points} points expire on {date}</source>
        <translation>{points} 积分将于 {date} 到期</translation>
    </message>
    <message>
        <source>No points waiting to expire</source>
        <translation>暂无即将到期的积分</translation>
    </message>
    <message>
        <source>Growth value: {points} points earned recently</source>
        <translation>成长值：近期获得 {points} 积分</translation>
    </message>
    <message>
        <source>Growth value: {amount} spent recently</source>
        <translation>成长值：近期消费 {amount}</translation>
    </message>
    <message>
        <source>member since {date}</source>
        <translation>{date} 入会</translation>
    </message>
    <message>
        <source>Merged into {name} (card {card}): use that account.</source>
        <translation>已合并到 {name}（卡号 {card}）：请使用该账户。</translation>
    </message>
    <message>
        <source>Account frozen: points cannot be earned or spent.</source>
        <translation>账户已冻结：不能获得或使用积分。</translation>
    </message>
    <message>
        <source>Account status: {status}</source>
        <translation>账户状态：{status}</translation>
    </message>
    <message>
        <source>Flagged for review: {reason}</source>
        <translation>待审核：{reason}</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>未填写原因</translation>
    </message>
</context>
<context>
    <name>MemberDetailDialog</name>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Joined</source>
        <translation>入会日期</translation>
    </message>
    <message>
        <source>Home store</source>
        <translation>开卡门店</translation>
    </message>
    <message>
        <source>Privacy consent</source>
        <translation>隐私授权</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Adjust points</source>
        <translation>调整积分</translation>
    </message>
    <message>
        <source>Clear review flag</source>
        <translation>解除审核标记</translation>
    </message>
    <message>
        <source>Points history</source>
        <translation>积分明细</translation>
    </message>
    <message>
        <source>No points yet.</source>
        <translation>暂无积分记录。</translation>
    </message>
    <message>
        <source>Member — {name}</source>
        <translation>会员 — {name}</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>{name} ({code})</source>
        <translation>{name}（{code}）</translation>
    </message>
    <message>
        <source>Merged into {name} (card {card})</source>
        <translation>已合并到 {name}（卡号 {card}）</translation>
    </message>
    <message>
        <source>Frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Unfreeze</source>
        <translation>解冻</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>冻结</translation>
    </message>
    <message>
        <source>Unfreeze the account to change its points</source>
        <translation>解冻账户后才能调整积分</translation>
    </message>
    <message>
        <source>{name} (card {card})</source>
        <translation>{name}（卡号 {card}）</translation>
    </message>
    <message>
        <source>Merged into this account: {names}. Their purchases and points history stay on their own accounts.</source>
        <translation>已合并到本账户：{names}。其消费记录和积分流水仍保留在原账户。</translation>
    </message>
    <message>
        <source>Unfreeze account</source>
        <translation>解冻账户</translation>
    </message>
    <message>
        <source>Why is the account unfrozen?</source>
        <translation>解冻原因？</translation>
    </message>
    <message>
        <source>Freeze account</source>
        <translation>冻结账户</translation>
    </message>
    <message>
        <source>While frozen, the member cannot earn or spend points. Why?</source>
        <translation>冻结期间，会员不能获得或使用积分。冻结原因？</translation>
    </message>
    <message>
        <source>no reason given</source>
        <translation>未填写原因</translation>
    </message>
    <message>
        <source>Flagged because: {reason}
What did you check?</source>
        <translation>标记原因：{reason}
你核查了什么？</translation>
    </message>
    <message>
        <source>Clear flag</source>
        <translation>解除标记</translation>
    </message>
</context>
<context>
    <name>MemberEditDialog</name>
    <message>
        <source>New member</source>
        <translation>新会员</translation>
    </message>
    <message>
        <source>Edit member</source>
        <translation>编辑会员</translation>
    </message>
    <message>
        <source>e.g. 张三丰</source>
        <translation>如：张三丰</translation>
    </message>
    <message>
        <source>11-digit mobile, e.g. 138 0013 8000</source>
        <translation>11 位手机号，如 138 0013 8000</translation>
    </message>
    <message>
        <source>Scan a card, or leave empty for a new number</source>
        <translation>扫卡，或留空自动生成新卡号</translation>
    </message>
    <message>
        <source>Optional, e.g. 1990-05-31</source>
        <translation>选填，如 1990-05-31</translation>
    </message>
    <message>
        <source>Agrees to the privacy policy</source>
        <translation>同意隐私政策</translation>
    </message>
    <message>
        <source>Personal data is kept for the membership; messages only with consent.</source>
        <translation>个人信息仅用于会员服务；经同意才会发送消息。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Now {phone}. Leave empty to keep it, or type the new number.</source>
        <translation>当前为 {phone}。留空则不变，或输入新号码。</translation>
    </message>
    <message>
        <source>Type the birthday as 1990-05-31, or leave it empty.</source>
        <translation>生日请按 1990-05-31 格式输入，或留空。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>MemberHolds</name>
    <message>
        <source>recent points came in unusually fast and are being checked</source>
        <translation>近期积分增长异常快，正在核查</translation>
    </message>
    <message>
        <source>points were taken back and the balance went below zero</source>
        <translation>积分被扣回后余额低于零</translation>
    </message>
    <message>
        <source>the same points were spent at two stores while offline</source>
        <translation>同一笔积分在断网期间于两家门店被使用</translation>
    </message>
    <message>
        <source>the phone number was registered at two stores</source>
        <translation>同一手机号在两家门店分别注册</translation>
    </message>
    <message>
        <source>a voucher code was drawn at two stores and head office gave one of them a new code</source>
        <translation>两家门店抽到了相同的券码，总部已为其中一张换发新券码</translation>
    </message>
    <message>
        <source>a supervisor has to check the account first</source>
        <translation>需由店长先核查账户</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>On hold: redeeming and spinning wait because {why}. A supervisor lifts the hold in the review queue; earning points and signing in still work.</source>
        <translation>暂停兑换和抽奖，原因：{why}。店长可在审核队列中解除暂停；期间仍可积分和签到。</translation>
    </message>
</context>
<context>
    <name>MemberMergeDialog</name>
    <message>
        <source>Merge into…</source>
        <translation>合并到…</translation>
    </message>
    <message>
        <source>One person, two accounts</source>
        <translation>同一人，两个账户</translation>
    </message>
    <message>
        <source>What was checked (e.g. the customer confirmed both cards)</source>
        <translation>核实了什么（例如：顾客确认两张卡都是本人的）</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>合并</translation>
    </message>
    <message>
        <source>Both accounts were registered with the phone {phone}. Choose the account to keep: the other one&apos;s points move to it through the ledger (expiry dates unchanged) and it is closed as merged.</source>
        <translation>两个账户都用手机号 {phone} 注册。请选择要保留的账户：另一个账户的积分经积分流水转入（有效期不变），该账户随后关闭为“已合并”。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>积分余额</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Joined at store</source>
        <translation>注册门店</translation>
    </message>
    <message>
        <source>Joined on</source>
        <translation>注册日期</translation>
    </message>
    <message>
        <source>Last activity</source>
        <translation>最近活动</translation>
    </message>
    <message>
        <source>Keep this account</source>
        <translation>保留此账户</translation>
    </message>
    <message>
        <source>registered offline</source>
        <translation>离线注册</translation>
    </message>
    <message>
        <source>registered first</source>
        <translation>先注册</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>暂无</translation>
    </message>
    <message>
        <source>The other member of this case was not found: correct the phone instead.</source>
        <translation>找不到本案件的另一个会员：请改为更正手机号。</translation>
    </message>
    <message>
        <source>Choose the account to keep.</source>
        <translation>请选择要保留的账户。</translation>
    </message>
    <message>
        <source>{name} (card {card})</source>
        <translation>{name}（卡号 {card}）</translation>
    </message>
    <message>
        <source>{name}&apos;s {points} points move to {into}.</source>
        <translation>{name} 的 {points} 积分转到 {into}。</translation>
    </message>
    <message>
        <source>{name}&apos;s debt of {points} points moves to {into}.</source>
        <translation>{name} 欠的 {points} 积分转到 {into}。</translation>
    </message>
    <message>
        <source>{name} has no points to move; the account goes into {into}.</source>
        <translation>{name} 没有可转移的积分，账户并入 {into}。</translation>
    </message>
    <message>
        <source>Card {card} is closed as merged: scanning it finds the kept account. Purchases stay where they were made.</source>
        <translation>卡号 {card} 关闭为“已合并”：扫这张卡会找到保留的账户。消费记录仍留在原账户。</translation>
    </message>
</context>
<context>
    <name>MemberTableModel</name>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>待审核</translation>
    </message>
    <message>
        <source>A supervisor should look at this member&apos;s points</source>
        <translation>需店长核查该会员的积分</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>MembersPage</name>
    <message>
        <source>Members</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Search: card, phone, last 4 digits, or name (张三 or zs)</source>
        <translation>搜索：卡号、手机号、尾号后4位或姓名（张三 或 zs）</translation>
    </message>
    <message>
        <source>New member</source>
        <translation>新会员</translation>
    </message>
    <message>
        <source>{n} found</source>
        <translation>找到 {n} 位</translation>
    </message>
    <message>
        <source>First {n} matches; type more to narrow</source>
        <translation>前 {n} 条结果；多输入几个字可缩小范围</translation>
    </message>
    <message>
        <source>No member matches “{query}”.</source>
        <translation>没有与“{query}”匹配的会员。</translation>
    </message>
    <message>
        <source>{n} members</source>
        <translation>共 {n} 位会员</translation>
    </message>
    <message>
        <source>No members yet. Register the first with “New member”.</source>
        <translation>还没有会员。点击“新会员”登记第一位。</translation>
    </message>
</context>
<context>
    <name>PendingPoints</name>
    <message>
        <source>points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>points ({pending} pending sync)</source>
        <translation>积分（含待同步 {pending}）</translation>
    </message>
    <message>
        <source>({pending} pending sync)</source>
        <translation>（含待同步 {pending}）</translation>
    </message>
    <message>
        <source>{balance} ({pending} pending sync)</source>
        <translation>{balance}（含待同步 {pending}）</translation>
    </message>
</context>
<context>
    <name>Permission</name>
    <message>
        <source>view members</source>
        <translation>查看会员</translation>
    </message>
    <message>
        <source>register members</source>
        <translation>登记新会员</translation>
    </message>
    <message>
        <source>edit members</source>
        <translation>修改会员资料</translation>
    </message>
    <message>
        <source>freeze or unfreeze members</source>
        <translation>冻结或解冻会员</translation>
    </message>
    <message>
        <source>see full phone numbers</source>
        <translation>查看完整手机号</translation>
    </message>
    <message>
        <source>award points for purchases</source>
        <translation>消费发放积分</translation>
    </message>
    <message>
        <source>refund purchases</source>
        <translation>办理退货退款</translation>
    </message>
    <message>
        <source>adjust points</source>
        <translation>手动调整积分</translation>
    </message>
    <message>
        <source>approve large adjustments</source>
        <translation>审批大额调整</translation>
    </message>
    <message>
        <source>import bulk adjustments</source>
        <translation>批量导入积分调整</translation>
    </message>
    <message>
        <source>run point expiry</source>
        <translation>执行积分过期</translation>
    </message>
    <message>
        <source>clear review flags</source>
        <translation>解除待审核标记</translation>
    </message>
    <message>
        <source>set a member&apos;s tier by hand</source>
        <translation>手动设置会员等级</translation>
    </message>
    <message>
        <source>configure tiers</source>
        <translation>设置会员等级</translation>
    </message>
    <message>
        <source>run the tier evaluation</source>
        <translation>执行等级评定</translation>
    </message>
    <message>
        <source>configure campaigns</source>
        <translation>设置积分活动</translation>
    </message>
    <message>
        <source>configure earning rules</source>
        <translation>设置积分规则</translation>
    </message>
    <message>
        <source>manage staff accounts</source>
        <translation>管理员工账号</translation>
    </message>
    <message>
        <source>redeem catalog items</source>
        <translation>兑换积分商品</translation>
    </message>
    <message>
        <source>write off vouchers</source>
        <translation>核销券码</translation>
    </message>
    <message>
        <source>cancel redemptions</source>
        <translation>取消兑换</translation>
    </message>
    <message>
        <source>manage the catalog</source>
        <translation>管理商品</translation>
    </message>
    <message>
        <source>record stock changes</source>
        <translation>登记库存变动</translation>
    </message>
    <message>
        <source>sign members in</source>
        <translation>为会员签到</translation>
    </message>
    <message>
        <source>spin the wheel for members</source>
        <translation>为会员抽大转盘</translation>
    </message>
    <message>
        <source>configure sign-in and wheels</source>
        <translation>设置签到和大转盘</translation>
    </message>
    <message>
        <source>record completed tasks</source>
        <translation>登记完成的任务</translation>
    </message>
    <message>
        <source>configure tasks</source>
        <translation>设置任务</translation>
    </message>
    <message>
        <source>configure abuse rules</source>
        <translation>设置风控规则</translation>
    </message>
    <message>
        <source>see the review queue</source>
        <translation>查看审核队列</translation>
    </message>
</context>
<context>
    <name>PhoneCorrectionDialog</name>
    <message>
        <source>Different people: correct the phone…</source>
        <translation>不是同一人：更正手机号…</translation>
    </message>
    <message>
        <source>{name}, registered offline, is a different person from the member who has {phone}. Type {name}&apos;s own mobile number; the other member keeps {phone}.</source>
        <translation>离线注册的 {name} 与手机号为 {phone} 的会员不是同一人。请输入 {name} 本人的手机号；另一位会员保留 {phone}。</translation>
    </message>
    <message>
        <source>New mobile number, 11 digits</source>
        <translation>新手机号，11 位数字</translation>
    </message>
    <message>
        <source>What was checked (needed for any decision)</source>
        <translation>核实了什么（任何决定都需要填写）</translation>
    </message>
    <message>
        <source>Correct the phone</source>
        <translation>更正手机号</translation>
    </message>
    <message>
        <source>The phone is checked as at registration and must not belong to anyone.</source>
        <translation>手机号按注册时的规则检查，且不能已属于其他会员。</translation>
    </message>
</context>
<context>
    <name>PrizeSlip</name>
    <message>
        <source>Wheel prize slip</source>
        <translation>转盘奖品凭条</translation>
    </message>
    <message>
        <source>Spin cost</source>
        <translation>抽奖消耗</translation>
    </message>
    <message>
        <source>Prize code</source>
        <translation>奖品券码</translation>
    </message>
</context>
<context>
    <name>PrizeVoucherDialog</name>
    <message>
        <source>Prize voucher for {prize}</source>
        <translation>奖品券：{prize}</translation>
    </message>
    <message>
        <source>{name} won {prize}</source>
        <translation>{name} 抽中 {prize}</translation>
    </message>
    <message>
        <source>Prize code</source>
        <translation>奖品券码</translation>
    </message>
</context>
<context>
    <name>PrizesToHandOver</name>
    <message>
        <source>Hand over…</source>
        <translation>领取…</translation>
    </message>
    <message>
        <source>Give the chosen prize to the member now; its code can be used once</source>
        <translation>现在把选中的奖品交给会员；券码只能使用一次</translation>
    </message>
    <message>
        <source>valid until {day}</source>
        <translation>有效期至 {day}</translation>
    </message>
    <message>
        <source>no expiry</source>
        <translation>长期有效</translation>
    </message>
    <message>
        <source>Prizes to hand over ({n})</source>
        <translation>待领取奖品（{n}）</translation>
    </message>
    <message>
        <source>Hand over a prize</source>
        <translation>领取奖品</translation>
    </message>
    <message>
        <source>Give {prize} to {member} now?</source>
        <translation>现在把 {prize} 交给 {member}？</translation>
    </message>
    <message>
        <source>Prize code {code}. It can be handed over once.</source>
        <translation>奖品券码 {code}，只能领取一次。</translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation>领取</translation>
    </message>
    <message>
        <source>Handed over: {prize} to {member}</source>
        <translation>已领取：{member} 的 {prize}</translation>
    </message>
</context>
<context>
    <name>ReasonDialog</name>
    <message>
        <source>At least 2 characters</source>
        <translation>至少 2 个字</translation>
    </message>
</context>
<context>
    <name>RecentEntries</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Reference / note</source>
        <translation>单号 / 备注</translation>
    </message>
    <message>
        <source>valid to {date}</source>
        <translation>有效期至 {date}</translation>
    </message>
</context>
<context>
    <name>RedeemDialog</name>
    <message>
        <source>Redeem {item}</source>
        <translation>兑换 {item}</translation>
    </message>
    <message>
        <source>For {name} ({phone})</source>
        <translation>会员：{name}（{phone}）</translation>
    </message>
    <message>
        <source>Checking the limits…</source>
        <translation>正在检查兑换限制…</translation>
    </message>
    <message>
        <source>Confirm redemption</source>
        <translation>确认兑换</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Points to pay</source>
        <translation>所需积分</translation>
    </message>
    <message>
        <source>Cash to pay at the till</source>
        <translation>需在收银台付现金</translation>
    </message>
    <message>
        <source>Balance now</source>
        <translation>当前余额</translation>
    </message>
    <message>
        <source>Balance after</source>
        <translation>兑换后余额</translation>
    </message>
    <message>
        <source>{points} points each</source>
        <translation>每件 {points} 积分</translation>
    </message>
    <message>
        <source>Coupon worth {value}, valid for {days} days</source>
        <translation>面值 {value} 优惠券，有效期 {days} 天</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Cannot be redeemed now</source>
        <translation>当前不可兑换</translation>
    </message>
    <message>
        <source>at most {n} now</source>
        <translation>当前最多 {n} 件</translation>
    </message>
</context>
<context>
    <name>RedemptionHistory</name>
    <message>
        <source>This member</source>
        <translation>本会员</translation>
    </message>
    <message>
        <source>This store</source>
        <translation>本店</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Cancel redemption…</source>
        <translation>取消兑换…</translation>
    </message>
    <message>
        <source>Member: {name}</source>
        <translation>会员：{name}</translation>
    </message>
    <message>
        <source>No member is being served: choose “This store”, or find the member at the counter.</source>
        <translation>当前没有会员：请选择“本店”，或在收银台查找会员。</translation>
    </message>
    <message>
        <source>Redemptions: {n}, newest first</source>
        <translation>兑换记录：{n} 条，最新在前</translation>
    </message>
    <message>
        <source>No redemptions yet.</source>
        <translation>暂无兑换记录。</translation>
    </message>
    <message>
        <source>Cancel {item} × {n} of {member} ({when})? The {points} points and the stock go back. Why?</source>
        <translation>取消 {member} 的 {item} × {n}（{when}）？{points} 积分和库存将退回。取消原因？</translation>
    </message>
    <message>
        <source>Cancel a redemption</source>
        <translation>取消兑换</translation>
    </message>
    <message>
        <source>Cancel redemption</source>
        <translation>取消兑换</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Cancelled: {points} points returned, balance {balance}</source>
        <translation>已取消：退回 {points} 积分，积分余额 {balance}</translation>
    </message>
</context>
<context>
    <name>RedemptionTableModel</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Voucher</source>
        <translation>券码</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已核销</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>未核销</translation>
    </message>
</context>
<context>
    <name>ReviewsPage</name>
    <message>
        <source>Earning too fast</source>
        <translation>积分获取过快</translation>
    </message>
    <message>
        <source>Balance below zero</source>
        <translation>余额为负</translation>
    </message>
    <message>
        <source>Points spent twice offline</source>
        <translation>离线时积分被重复使用</translation>
    </message>
    <message>
        <source>Phone registered at two stores</source>
        <translation>同一手机号在两家门店注册</translation>
    </message>
    <message>
        <source>Sold offline beyond stock</source>
        <translation>离线兑换超出库存</translation>
    </message>
    <message>
        <source>Signed in twice in a day</source>
        <translation>同一天签到两次</translation>
    </message>
    <message>
        <source>Task rewarded twice</source>
        <translation>任务奖励重复发放</translation>
    </message>
    <message>
        <source>Referral rewarded twice</source>
        <translation>邀请奖励重复发放</translation>
    </message>
    <message>
        <source>Referral code made twice</source>
        <translation>邀请码重复生成</translation>
    </message>
    <message>
        <source>Receipt awarded twice</source>
        <translation>同一小票重复积分</translation>
    </message>
    <message>
        <source>Refund number used twice</source>
        <translation>退货单号重复使用</translation>
    </message>
    <message>
        <source>Entry recorded twice</source>
        <translation>积分记录重复</translation>
    </message>
    <message>
        <source>Voucher code drawn at two stores</source>
        <translation>两家门店券码相同</translation>
    </message>
    <message>
        <source>Wheel prize won offline beyond stock</source>
        <translation>离线抽中的转盘奖品超出库存</translation>
    </message>
    <message>
        <source>Wheel prizes won offline beyond budget</source>
        <translation>离线抽中的转盘奖品超出预算</translation>
    </message>
    <message>
        <source>Spins offline beyond the member&apos;s cap</source>
        <translation>离线抽奖超出会员次数上限</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>待处理</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>已处理</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <source>Kept apart</source>
        <translation>已分开</translation>
    </message>
    <message>
        <source>game points</source>
        <translation>游戏积分</translation>
    </message>
    <message>
        <source>sign-ins</source>
        <translation>次签到</translation>
    </message>
    <message>
        <source>task rewards</source>
        <translation>次任务奖励</translation>
    </message>
    <message>
        <source>{rule}: {value} {what} within {minutes} minutes (more than {threshold})</source>
        <translation>{rule}：{minutes} 分钟内 {value} {what}（超过 {threshold}）</translation>
    </message>
    <message>
        <source>The balance went below zero ({balance}) after points were taken back</source>
        <translation>扣回积分后余额为负（{balance}）</translation>
    </message>
    <message>
        <source>Registered offline at store {store} with another member&apos;s phone or card: merge the accounts or correct the phone</source>
        <translation>在门店 {store} 离线注册，手机号或卡号与另一会员相同：合并账户或更正手机号</translation>
    </message>
    <message>
        <source>Code {store_code} drawn at store {store} was also drawn at another store: head office gave it the code {code}; the member&apos;s slip still works at store {store}</source>
        <translation>门店 {store} 生成的券码 {store_code} 与另一门店重复：总部已改为券码 {code}；会员手中的券在门店 {store} 仍可使用</translation>
    </message>
    <message>
        <source>Voucher kind</source>
        <translation>券类型</translation>
    </message>
    <message>
        <source>Task reward</source>
        <translation>任务奖励</translation>
    </message>
    <message>
        <source>Taken back after review</source>
        <translation>审核扣回</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>Measures</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Counted</source>
        <translation>计数</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Window (minutes)</source>
        <translation>时间窗口（分钟）</translation>
    </message>
    <message>
        <source>Balance</source>
        <translation>余额</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Store&apos;s code</source>
        <translation>门店券码</translation>
    </message>
    <message>
        <source>Head office&apos;s code</source>
        <translation>总部券码</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>门店</translation>
    </message>
    <message>
        <source>mall voucher</source>
        <translation>商城兑换券</translation>
    </message>
    <message>
        <source>wheel prize</source>
        <translation>转盘奖品</translation>
    </message>
    <message>
        <source>{name}: {value}</source>
        <translation>{name}：{value}</translation>
    </message>
    <message>
        <source>Review queue</source>
        <translation>审核队列</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>全部类型</translation>
    </message>
    <message>
        <source>Opened</source>
        <translation>发起时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reviews ({n})</source>
        <translation>审核（{n}）</translation>
    </message>
    <message>
        <source>Reviews</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Review queue — {n} open</source>
        <translation>审核队列 — {n} 件待处理</translation>
    </message>
    <message>
        <source>No open cases: nothing waits for a decision.</source>
        <translation>没有待处理的案件。</translation>
    </message>
    <message>
        <source>No cases match these filters.</source>
        <translation>没有符合筛选条件的案件。</translation>
    </message>
</context>
<context>
    <name>RiskRuleDialog</name>
    <message>
        <source>New abuse rule</source>
        <translation>新建风险规则</translation>
    </message>
    <message>
        <source>Edit abuse rule — {name}</source>
        <translation>编辑风险规则 — {name}</translation>
    </message>
    <message>
        <source>e.g. 签到过快</source>
        <translation>例如：签到过快</translation>
    </message>
    <message>
        <source>e.g. 300</source>
        <translation>例如 300</translation>
    </message>
    <message>
        <source>e.g. 60</source>
        <translation>例如 60</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>hours</source>
        <translation>小时</translation>
    </message>
    <message>
        <source>days</source>
        <translation>天</translation>
    </message>
    <message>
        <source>Block redeeming and spinning until a supervisor decides</source>
        <translation>店长处理前禁止兑换和抽奖</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Watches</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>More than</source>
        <translation>超过</translation>
    </message>
    <message>
        <source>Within</source>
        <translation>时间窗口</translation>
    </message>
    <message>
        <source>Create rule</source>
        <translation>创建规则</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>RiskRules</name>
    <message>
        <source>game points</source>
        <translation>游戏积分</translation>
    </message>
    <message>
        <source>sign-ins</source>
        <translation>次签到</translation>
    </message>
    <message>
        <source>task rewards</source>
        <translation>次任务奖励</translation>
    </message>
    <message>
        <source>{n} days</source>
        <translation>{n} 天</translation>
    </message>
    <message>
        <source>1 day</source>
        <translation>1 天</translation>
    </message>
    <message>
        <source>{n} hours</source>
        <translation>{n} 小时</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 小时</translation>
    </message>
    <message>
        <source>{n} minutes</source>
        <translation>{n} 分钟</translation>
    </message>
    <message>
        <source>Flag a member who earns more than {n} {what} within {window}: those earnings go to the review queue.</source>
        <translation>会员在 {window} 内获得超过 {n} {what} 时标记：这些收入进入审核队列。</translation>
    </message>
    <message>
        <source>The member cannot redeem or spin until a supervisor has decided.</source>
        <translation>店长处理前，该会员不能兑换也不能抽奖。</translation>
    </message>
    <message>
        <source>(Switched off: it flags nobody.)</source>
        <translation>（已停用：不会标记任何人。）</translation>
    </message>
</context>
<context>
    <name>RiskRulesTab</name>
    <message>
        <source>Rule</source>
        <translation>规则</translation>
    </message>
    <message>
        <source>What it does</source>
        <translation>规则说明</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>New rule</source>
        <translation>新建规则</translation>
    </message>
    <message>
        <source>No abuse rule yet. “New rule” flags members who earn unusually fast, e.g. more than 300 game points within an hour.</source>
        <translation>还没有风险规则。“新建规则”可标记积分获取异常快的会员，例如 1 小时内超过 300 游戏积分。</translation>
    </message>
    <message>
        <source>On</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>停用</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <source>cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>operator</source>
        <translation>运营</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>管理员</translation>
    </message>
</context>
<context>
    <name>SearchResults</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>卡号</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>{name} (frozen)</source>
        <translation>{name}（已冻结）</translation>
    </message>
    <message>
        <source>{name} (merged)</source>
        <translation>{name}（已合并）</translation>
    </message>
</context>
<context>
    <name>SegmentRow</name>
    <message>
        <source>e.g. 50积分</source>
        <translation>例如 50积分</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Yuan</source>
        <translation>元</translation>
    </message>
    <message>
        <source>The coupon&apos;s face value in yuan</source>
        <translation>优惠券面额（元）</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>天数</translation>
    </message>
    <message>
        <source>How many days the coupon stays valid</source>
        <translation>优惠券有效天数</translation>
    </message>
    <message>
        <source>days</source>
        <translation>天</translation>
    </message>
    <message>
        <source>No prize</source>
        <translation>无奖品</translation>
    </message>
    <message>
        <source>What one prize costs the budget, in points (1 point ≈ ¥0.10)</source>
        <translation>每个奖品计入预算的积分（1 积分 ≈ ¥0.10）</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>Where a spin lands when a prize is out of stock or the budget is spent</source>
        <translation>奖品无库存或预算用完时，抽奖落在这里</translation>
    </message>
    <message>
        <source>Remove this segment</source>
        <translation>删除此扇区</translation>
    </message>
    <message>
        <source>Choose an item…</source>
        <translation>选择商品…</translation>
    </message>
    <message>
        <source>{colour}: click to choose another colour</source>
        <translation>{colour}：点击选择其他颜色</translation>
    </message>
    <message>
        <source>Segment colour</source>
        <translation>扇区颜色</translation>
    </message>
</context>
<context>
    <name>SegmentRows</name>
    <message>
        <source>Label</source>
        <translation>文字</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Prize</source>
        <translation>奖品</translation>
    </message>
    <message>
        <source>Points, item, or coupon ¥ and days</source>
        <translation>积分、商品，或优惠券面额与天数</translation>
    </message>
    <message>
        <source>Costs budget</source>
        <translation>计入预算</translation>
    </message>
    <message>
        <source>Stock</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Fallback</source>
        <translation>兜底</translation>
    </message>
    <message>
        <source>Add a segment</source>
        <translation>添加扇区</translation>
    </message>
    <message>
        <source>{n} points</source>
        <translation>{n}积分</translation>
    </message>
</context>
<context>
    <name>SettingsFormats</name>
    <message>
        <source>No discount</source>
        <translation>无折扣</translation>
    </message>
    <message>
        <source>{n}% off</source>
        <translation>减 {n}%</translation>
    </message>
    <message>
        <source>{points} points</source>
        <translation>{points} 积分</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Tiers</source>
        <translation>会员等级</translation>
    </message>
    <message>
        <source>Earning rules</source>
        <translation>积分规则</translation>
    </message>
    <message>
        <source>Campaigns</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Database and sync</source>
        <translation>数据库与同步</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
</context>
<context>
    <name>ShelfFilters</name>
    <message>
        <source>All categories</source>
        <translation>全部分类</translation>
    </message>
    <message>
        <source>Filter by name or item code</source>
        <translation>按名称或商品编码筛选</translation>
    </message>
    <message>
        <source>Affordable for this member</source>
        <translation>仅看积分够兑的</translation>
    </message>
    <message>
        <source>{shown} of {total} items</source>
        <translation>{shown} / {total} 件商品</translation>
    </message>
</context>
<context>
    <name>SigninCalendarView</name>
    <message>
        <source>Previous month</source>
        <translation>上个月</translation>
    </message>
    <message>
        <source>Next month</source>
        <translation>下个月</translation>
    </message>
    <message>
        <source>Signed in</source>
        <translation>已签到</translation>
    </message>
    <message>
        <source>Sign-in calendar</source>
        <translation>签到日历</translation>
    </message>
    <message>
        <source>Days in a row: {n}</source>
        <translation>连续签到 {n} 天</translation>
    </message>
    <message>
        <source>Signed in: {points} points</source>
        <translation>已签到：{points} 积分</translation>
    </message>
    <message>
        <source>Made up</source>
        <translation>已补签</translation>
    </message>
    <message>
        <source>Made up (补签)</source>
        <translation>已补签</translation>
    </message>
    <message>
        <source>Make up</source>
        <translation>可补签</translation>
    </message>
    <message>
        <source>Missed. Click to make it up for {cost} points.</source>
        <translation>漏签。点击补签，扣除 {cost} 积分。</translation>
    </message>
    <message>
        <source>Missed</source>
        <translation>漏签</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>MMMM yyyy</source>
        <translation>yyyy年M月</translation>
    </message>
    <message>
        <source>Today: not signed in yet</source>
        <translation>今天：尚未签到</translation>
    </message>
    <message>
        <source>Before the member joined</source>
        <translation>入会之前</translation>
    </message>
    <message>
        <source>Signed in today ✓</source>
        <translation>今日已签到 ✓</translation>
    </message>
    <message>
        <source>Signing in today gives {points} points.</source>
        <translation>今天签到可得 {points} 积分。</translation>
    </message>
    <message>
        <source>Tomorrow&apos;s sign-in gives {points} points.</source>
        <translation>明天签到可得 {points} 积分。</translation>
    </message>
    <message>
        <source>Tomorrow&apos;s sign-in gives {points} points (after signing in today).</source>
        <translation>今天签到后，明天签到可得 {points} 积分。</translation>
    </message>
    <message>
        <source>This week: {n} of 7 days signed</source>
        <translation>本周已签 {n}/7 天</translation>
    </message>
    <message>
        <source>weekly bonus received</source>
        <translation>一周打卡奖励已领取</translation>
    </message>
    <message>
        <source>all 7 days give {points} bonus points</source>
        <translation>签满 7 天奖励 {points} 积分</translation>
    </message>
    <message>
        <source>Signed this month: {n} days</source>
        <translation>本月已签 {n} 天</translation>
    </message>
    <message>
        <source>Signed in {month_name}: {n} days</source>
        <translation>{month_name}已签 {n} 天</translation>
    </message>
    <message>
        <source>{n} more for {points} bonus points</source>
        <translation>再签 {n} 天奖励 {points} 积分</translation>
    </message>
    <message>
        <source>Make-ups (补签) left this month: {left}, {cost} points each</source>
        <translation>本月还可补签 {left} 次，每次 {cost} 积分</translation>
    </message>
    <message>
        <source>No make-up sign-in is available this month.</source>
        <translation>本月已无补签机会。</translation>
    </message>
    <message>
        <source>{day} is too long ago to be made up.</source>
        <translation>{day} 已超出可补签的天数。</translation>
    </message>
</context>
<context>
    <name>SigninPanel</name>
    <message>
        <source>Sign the member in for today ({key})</source>
        <translation>为会员签到（{key}）</translation>
    </message>
    <message>
        <source>Signed in today ✓</source>
        <translation>今日已签到 ✓</translation>
    </message>
    <message>
        <source>Sign in  {key}</source>
        <translation>签到  {key}</translation>
    </message>
    <message>
        <source>Find the member at the counter to sign them in.</source>
        <translation>请先在收银台找到会员再签到。</translation>
    </message>
    <message>
        <source>Come back tomorrow for {points} points.</source>
        <translation>明天再来可得 {points} 积分。</translation>
    </message>
    <message>
        <source>Today gives {points} points · day {day} in a row</source>
        <translation>今天签到可得 {points} 积分 · 连续第 {day} 天</translation>
    </message>
    <message>
        <source>Made up {day} for {cost} points · streak {streak}</source>
        <translation>已补签 {day}，扣除 {cost} 积分 · 连续 {streak} 天</translation>
    </message>
    <message>
        <source>Signed in: +{points} points · streak {streak}</source>
        <translation>签到成功：+{points} 积分 · 连续 {streak} 天</translation>
    </message>
    <message>
        <source>all week bonus +{points}</source>
        <translation>一周打卡奖励 +{points}</translation>
    </message>
    <message>
        <source>{days} days this month bonus +{points}</source>
        <translation>本月签满 {days} 天奖励 +{points}</translation>
    </message>
    <message>
        <source>balance {balance}</source>
        <translation>余额 {balance}</translation>
    </message>
</context>
<context>
    <name>SigninRulesEditor</name>
    <message>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <source>Add a monthly bonus</source>
        <translation>添加月度奖励</translation>
    </message>
    <message>
        <source>0 = off</source>
        <translation>0 = 关闭</translation>
    </message>
    <message>
        <source>Multiply the daily reward by the member&apos;s tier multiplier</source>
        <translation>每日奖励乘以会员等级的积分倍数</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>天数</translation>
    </message>
    <message>
        <source>Save sign-in rules</source>
        <translation>保存签到规则</translation>
    </message>
    <message>
        <source>Reward cycle</source>
        <translation>奖励周期</translation>
    </message>
    <message>
        <source>Points per day</source>
        <translation>每天积分</translation>
    </message>
    <message>
        <source>Monthly bonuses</source>
        <translation>月度累计奖励</translation>
    </message>
    <message>
        <source>Weekly challenge (points)</source>
        <translation>一周打卡（积分）</translation>
    </message>
    <message>
        <source>Paid once for signing in on all 7 days, Monday to Sunday.</source>
        <translation>周一至周日 7 天全部签到，奖励一次。</translation>
    </message>
    <message>
        <source>Make-up cost (points)</source>
        <translation>补签费用（积分）</translation>
    </message>
    <message>
        <source>Make-ups a month</source>
        <translation>每月补签次数</translation>
    </message>
    <message>
        <source>0 switches make-up sign-ins off.</source>
        <translation>0 表示关闭补签。</translation>
    </message>
    <message>
        <source>Make-up reaches back</source>
        <translation>可补签最近</translation>
    </message>
    <message>
        <source>days before today</source>
        <translation>天内</translation>
    </message>
    <message>
        <source>Daily sign-in (签到)</source>
        <translation>每日签到</translation>
    </message>
    <message>
        <source>What a member gets</source>
        <translation>会员能得到什么</translation>
    </message>
    <message>
        <source>Only operators and administrators can change the sign-in rules.</source>
        <translation>只有运营和管理员可以修改签到规则。</translation>
    </message>
    <message>
        <source>Day {n}</source>
        <translation>第 {n} 天</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>当月签到</translation>
    </message>
    <message>
        <source>days in a month:</source>
        <translation>天：</translation>
    </message>
    <message>
        <source>points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Tip: make the last day of the cycle the biggest reward; it is what brings members back to finish the cycle.</source>
        <translation>提示：周期最后一天的奖励最好最大，它能吸引会员坚持签满整个周期。</translation>
    </message>
    <message>
        <source>The preview comes back once the rules are complete.</source>
        <translation>规则填写完整后显示预览。</translation>
    </message>
    <message>
        <source>Every day a member signs in earns {points} points.</source>
        <translation>会员每天签到获得 {points} 积分。</translation>
    </message>
    <message>
        <source>Day by day: {list} points; after day {n} the cycle starts again at day 1.</source>
        <translation>逐日奖励：{list} 积分；第 {n} 天之后从第 1 天重新开始。</translation>
    </message>
    <message>
        <source>Signing in every day of the {n}-day cycle earns {total} points.</source>
        <translation>连续签满 {n} 天的周期共得 {total} 积分。</translation>
    </message>
    <message>
        <source>{tier} {x} (day {n}: {points})</source>
        <translation>{tier} {x}（第 {n} 天：{points}）</translation>
    </message>
    <message>
        <source>Each tier gets the daily reward times its points multiplier, rounded down{more}.</source>
        <translation>各等级的每日奖励乘以其积分倍数，向下取整{more}。</translation>
    </message>
    <message>
        <source>Every tier gets the same daily reward.</source>
        <translation>所有等级的每日奖励相同。</translation>
    </message>
    <message>
        <source>Weekly challenge (一周打卡): signing in on all 7 days of a week, Monday to Sunday, adds {points} points once that week.</source>
        <translation>一周打卡：周一至周日 7 天全部签到，当周额外奖励 {points} 积分一次。</translation>
    </message>
    <message>
        <source>The weekly challenge is off.</source>
        <translation>一周打卡已关闭。</translation>
    </message>
    <message>
        <source>{days} signed days add {points} points</source>
        <translation>签到满 {days} 天奖励 {points} 积分</translation>
    </message>
    <message>
        <source>In a calendar month, {list}; each is paid once a month.</source>
        <translation>每个自然月内，{list}；每项每月奖励一次。</translation>
    </message>
    <message>
        <source>There is no monthly bonus.</source>
        <translation>没有月度累计奖励。</translation>
    </message>
    <message>
        <source>A missed day restarts the streak at day 1, unless a make-up sign-in (补签) fills it: {cost} points each, up to {n} a month, for one of the last {days} days. A make-up earns no daily reward, but it keeps the streak and counts toward the bonuses.</source>
        <translation>漏签一天，连续天数从第 1 天重新开始，除非补签：每次 {cost} 积分，每月最多 {n} 次，可补最近 {days} 天内的一天。补签不得当天奖励，但能保住连续天数，并计入累计奖励。</translation>
    </message>
    <message>
        <source>A missed day restarts the streak at day 1; make-up sign-ins are off.</source>
        <translation>漏签一天，连续天数从第 1 天重新开始；补签已关闭。</translation>
    </message>
    <message>
        <source>A member who signs in every day for {days} days earns about {points} points, bonuses included.</source>
        <translation>会员连续 {days} 天每天签到，含奖励共约得 {points} 积分。</translation>
    </message>
    <message>
        <source>Saved. The next sign-in uses these rules.</source>
        <translation>已保存。下一次签到即按新规则。</translation>
    </message>
</context>
<context>
    <name>Slip</name>
    <message>
        <source>Show this code at the counter to use the coupon. It can be used once.</source>
        <translation>在柜台出示此券码即可使用优惠券，限用一次。</translation>
    </message>
    <message>
        <source>Show this code when the service is provided. It can be used once.</source>
        <translation>享受服务时出示此券码，限用一次。</translation>
    </message>
    <message>
        <source>Collect the item at the counter with this slip. Keep it until then.</source>
        <translation>请凭此凭条到柜台领取商品，领取前请妥善保管。</translation>
    </message>
    <message>
        <source>Points redemption slip</source>
        <translation>积分兑换凭条</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Cash to pay</source>
        <translation>需付现金</translation>
    </message>
    <message>
        <source>Balance after</source>
        <translation>兑换后余额</translation>
    </message>
    <message>
        <source>Voucher code</source>
        <translation>券码</translation>
    </message>
    <message>
        <source>Valid until {day}</source>
        <translation>有效期至 {day}</translation>
    </message>
    <message>
        <source>80 mm receipt</source>
        <translation>80 毫米小票</translation>
    </message>
    <message>
        <source>Redemption slip {code}</source>
        <translation>兑换凭条 {code}</translation>
    </message>
    <message>
        <source>The printer could not be started.</source>
        <translation>无法启动打印机。</translation>
    </message>
    <message>
        <source>Print the redemption slip</source>
        <translation>打印兑换凭条</translation>
    </message>
    <message>
        <source>Print the slip: {title}</source>
        <translation>打印：{title}</translation>
    </message>
</context>
<context>
    <name>SpinWheel</name>
    <message>
        <source>Spin</source>
        <translation>抽奖</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Store</source>
        <translation>门店</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Locked until</source>
        <translation>锁定至</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <source>Supervisor</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>运营</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>at least {n} characters</source>
        <translation>至少 {n} 位</translation>
    </message>
    <message>
        <source>Create account</source>
        <translation>创建账号</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Repeat password</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>New staff account</source>
        <translation>新建员工账号</translation>
    </message>
    <message>
        <source>Choose an account in the list</source>
        <translation>请在列表中选择账号</translation>
    </message>
    <message>
        <source>Change role</source>
        <translation>更改角色</translation>
    </message>
    <message>
        <source>Deactivate</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>new password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>repeat it</source>
        <translation>再输一次</translation>
    </message>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>{name} ({username})</source>
        <translation>{name}（{username}）</translation>
    </message>
    <message>
        <source>Reactivate</source>
        <translation>重新启用</translation>
    </message>
    <message>
        <source>The two passwords differ; type them again.</source>
        <translation>两次输入的密码不一致，请重新输入。</translation>
    </message>
    <message>
        <source>Account {username} created.</source>
        <translation>账号 {username} 已创建。</translation>
    </message>
    <message>
        <source>{username}&apos;s role was changed.</source>
        <translation>{username} 的角色已更改。</translation>
    </message>
    <message>
        <source>{username} can no longer log in.</source>
        <translation>{username} 已不能登录。</translation>
    </message>
    <message>
        <source>{username} can log in again.</source>
        <translation>{username} 已可重新登录。</translation>
    </message>
    <message>
        <source>{username}&apos;s password was reset.</source>
        <translation>{username} 的密码已重置。</translation>
    </message>
</context>
<context>
    <name>StockChangeDialog</name>
    <message>
        <source>Restock — {name}</source>
        <translation>补货 — {name}</translation>
    </message>
    <message>
        <source>Write off — {name}</source>
        <translation>报损 — {name}</translation>
    </message>
    <message>
        <source>Count correction — {name}</source>
        <translation>盘点调整 — {name}</translation>
    </message>
    <message>
        <source>Pieces received into stock.</source>
        <translation>入库件数。</translation>
    </message>
    <message>
        <source>Pieces taken out of stock: damaged, lost or expired.</source>
        <translation>出库件数：损坏、丢失或过期。</translation>
    </message>
    <message>
        <source>After counting the shelf: the difference found, e.g. 3 more or -2 fewer than the system shows.</source>
        <translation>盘点货架后发现的差数：比系统多 3 件填 3，少 2 件填 -2。</translation>
    </message>
    <message>
        <source>e.g. -2 or 3</source>
        <translation>如 -2 或 3</translation>
    </message>
    <message>
        <source>e.g. 10</source>
        <translation>如 10</translation>
    </message>
    <message>
        <source>e.g. delivery note 2024-118</source>
        <translation>如：送货单 2024-118</translation>
    </message>
    <message>
        <source>e.g. packaging damaged</source>
        <translation>如：包装破损</translation>
    </message>
    <message>
        <source>e.g. monthly count</source>
        <translation>如：月度盘点</translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation>件数</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Restock</source>
        <translation>补货</translation>
    </message>
    <message>
        <source>Write off</source>
        <translation>报损</translation>
    </message>
    <message>
        <source>Correct stock</source>
        <translation>修正库存</translation>
    </message>
    <message>
        <source>In stock now: {now}</source>
        <translation>当前库存：{now}</translation>
    </message>
    <message>
        <source>In stock now: {now} → after this change: {after}</source>
        <translation>当前库存：{now} → 变动后：{after}</translation>
    </message>
    <message>
        <source>Type a whole number of pieces, like 10.</source>
        <translation>请输入整数件数，如 10。</translation>
    </message>
</context>
<context>
    <name>StockEntriesModel</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变动</translation>
    </message>
    <message>
        <source>Pieces</source>
        <translation>件数</translation>
    </message>
    <message>
        <source>Stock after</source>
        <translation>变动后库存</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>StockPanel</name>
    <message>
        <source>Off sale: not shown in the mall</source>
        <translation>已下架：不在积分商城显示</translation>
    </message>
    <message>
        <source>In stock</source>
        <translation>库存</translation>
    </message>
    <message>
        <source>Restock…</source>
        <translation>补货…</translation>
    </message>
    <message>
        <source>Write off…</source>
        <translation>报损…</translation>
    </message>
    <message>
        <source>Count correction…</source>
        <translation>盘点调整…</translation>
    </message>
    <message>
        <source>Edit item…</source>
        <translation>编辑商品…</translation>
    </message>
    <message>
        <source>Unlimited stock: nothing to count.</source>
        <translation>库存不限：无需盘点。</translation>
    </message>
    <message>
        <source>Stock entries, newest first</source>
        <translation>库存记录，最新在前</translation>
    </message>
    <message>
        <source>Select an item to see its stock.</source>
        <translation>选择商品查看库存。</translation>
    </message>
    <message>
        <source>{sku} · {category} · {kind} · {price}</source>
        <translation>{sku} · {category} · {kind} · {price}</translation>
    </message>
    <message>
        <source>Take off sale</source>
        <translation>下架</translation>
    </message>
    <message>
        <source>Put on sale</source>
        <translation>上架</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <source>Connecting to HQ…</source>
        <translation>正在连接总部…</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>{count} waiting to sync</source>
        <translation>{count} 条待同步</translation>
    </message>
    <message>
        <source>all synced</source>
        <translation>已全部同步</translation>
    </message>
    <message>
        <source>last sync {time}</source>
        <translation>上次同步 {time}</translation>
    </message>
    <message>
        <source>Last error: {error}</source>
        <translation>最近错误：{error}</translation>
    </message>
    <message>
        <source>Next try in {seconds} s</source>
        <translation>{seconds} 秒后重试</translation>
    </message>
    <message>
        <source>This store has not synced with HQ yet.</source>
        <translation>本店尚未与总部同步。</translation>
    </message>
    <message>
        <source>Sales and redemptions are sent to HQ in the background.</source>
        <translation>消费和兑换记录会在后台发送到总部。</translation>
    </message>
    <message>
        <source>Click to sync now.</source>
        <translation>点击立即同步。</translation>
    </message>
</context>
<context>
    <name>TaskEditor</name>
    <message>
        <source>Daily</source>
        <translation>每日任务</translation>
    </message>
    <message>
        <source>Growth (once)</source>
        <translation>成长任务（一次）</translation>
    </message>
    <message>
        <source>Challenge</source>
        <translation>挑战任务</translation>
    </message>
    <message>
        <source>A visit to the store (or the day&apos;s sign-in)</source>
        <translation>到店（或当天签到）</translation>
    </message>
    <message>
        <source>Something the cashier confirms</source>
        <translation>收银员确认完成</translation>
    </message>
    <message>
        <source>The first purchase</source>
        <translation>首次消费</translation>
    </message>
    <message>
        <source>A complete profile (birthday given)</source>
        <translation>完善资料（填写生日）</translation>
    </message>
    <message>
        <source>A visit in the birthday month</source>
        <translation>生日月到店</translation>
    </message>
    <message>
        <source>Inviting a friend (paid at the friend&apos;s first purchase)</source>
        <translation>邀请好友（好友首次消费时发放）</translation>
    </message>
    <message>
        <source>Rewards a day</source>
        <translation>每天次数</translation>
    </message>
    <message>
        <source>Rewards in all</source>
        <translation>总次数</translation>
    </message>
    <message>
        <source>Friends rewarded</source>
        <translation>奖励好友数</translation>
    </message>
    <message>
        <source>A member earns {points} points for each friend who registers with their referral code and makes a first purchase, for up to {n} friends.</source>
        <translation>好友用会员的邀请码注册并首次消费后，会员每邀请一位获得 {points} 积分，最多 {n} 位好友。</translation>
    </message>
    <message>
        <source>A member earns {points} points each time, up to {n} a business day.</source>
        <translation>会员每次获得 {points} 积分，每个营业日最多 {n} 次。</translation>
    </message>
    <message>
        <source>A member earns {points} points once a year, on a visit in their birthday month.</source>
        <translation>会员每年在生日月到店一次，获得 {points} 积分。</translation>
    </message>
    <message>
        <source>A member earns {points} points once.</source>
        <translation>会员获得 {points} 积分，仅一次。</translation>
    </message>
    <message>
        <source>A member earns {points} points each time, up to {n} times in all.</source>
        <translation>会员每次获得 {points} 积分，总共最多 {n} 次。</translation>
    </message>
    <message>
        <source>Runs {start} to {end}.</source>
        <translation>有效期 {start} 至 {end}。</translation>
    </message>
    <message>
        <source>(Switched off: it pays nothing.)</source>
        <translation>（已停用：不发放积分。）</translation>
    </message>
</context>
<context>
    <name>TaskEditorDialog</name>
    <message>
        <source>New task</source>
        <translation>新建任务</translation>
    </message>
    <message>
        <source>Edit task — {name}</source>
        <translation>编辑任务 — {name}</translation>
    </message>
    <message>
        <source>e.g. 到店打卡</source>
        <translation>例如：到店打卡</translation>
    </message>
    <message>
        <source>e.g. 10</source>
        <translation>例如 10</translation>
    </message>
    <message>
        <source>What the member does, as the counter explains it</source>
        <translation>会员要做什么（收银台向会员说明的内容）</translation>
    </message>
    <message>
        <source>From</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Until</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Completed by</source>
        <translation>完成方式</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Create task</source>
        <translation>创建任务</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
</context>
<context>
    <name>TasksTab</name>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>次数限制</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>New task</source>
        <translation>新建任务</translation>
    </message>
    <message>
        <source>No task yet. “New task” adds one: a daily visit, a first purchase, a complete profile, inviting friends…</source>
        <translation>还没有任务。“新建任务”可添加：每日到店、首次消费、完善资料、邀请好友……</translation>
    </message>
    <message>
        <source>{n} a day</source>
        <translation>每天 {n} 次</translation>
    </message>
    <message>
        <source>{n} friends</source>
        <translation>{n} 位好友</translation>
    </message>
    <message>
        <source>once a year</source>
        <translation>每年一次</translation>
    </message>
    <message>
        <source>{n} in all</source>
        <translation>共 {n} 次</translation>
    </message>
    <message>
        <source>Always</source>
        <translation>长期</translation>
    </message>
    <message>
        <source>On</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>停用</translation>
    </message>
</context>
<context>
    <name>TierEditor</name>
    <message>
        <source>Choose a tier above to edit it</source>
        <translation>在上方选择要编辑的等级</translation>
    </message>
    <message>
        <source>Pick a colour</source>
        <translation>选择颜色</translation>
    </message>
    <message>
        <source>Save tier</source>
        <translation>保存等级</translation>
    </message>
    <message>
        <source>Name (中文)</source>
        <translation>名称（中文）</translation>
    </message>
    <message>
        <source>Name (English)</source>
        <translation>名称（英文）</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>升级门槛</translation>
    </message>
    <message>
        <source>Retention (保级)</source>
        <translation>保级</translation>
    </message>
    <message>
        <source>Price paid</source>
        <translation>折扣</translation>
    </message>
    <message>
        <source>Points multiplier</source>
        <translation>积分倍数</translation>
    </message>
    <message>
        <source>Member events a month</source>
        <translation>每月会员活动</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Benefits (中文)</source>
        <translation>权益（中文）</translation>
    </message>
    <message>
        <source>Benefits (English)</source>
        <translation>权益（英文）</translation>
    </message>
    <message>
        <source>Edit tier: {name}</source>
        <translation>编辑等级：{name}</translation>
    </message>
    <message>
        <source>Enter an amount like 1000 or 1000.50.</source>
        <translation>请输入金额，如 1000 或 1000.50。</translation>
    </message>
    <message>
        <source>Enter a whole number of points.</source>
        <translation>请输入整数积分。</translation>
    </message>
    <message>
        <source>Nothing changed.</source>
        <translation>没有改动。</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>已保存。</translation>
    </message>
</context>
<context>
    <name>TierProgressView</name>
    <message>
        <source>Set by hand until {date}</source>
        <translation>手动设定至 {date}</translation>
    </message>
    <message>
        <source>{text} ({reason})</source>
        <translation>{text}（{reason}）</translation>
    </message>
    <message>
        <source>Top tier</source>
        <translation>已是最高等级</translation>
    </message>
    <message>
        <source>Qualifies for {tier}</source>
        <translation>已达{tier}标准</translation>
    </message>
    <message>
        <source>Earn {points} more points to reach {tier}</source>
        <translation>再获 {points} 积分升级{tier}</translation>
    </message>
    <message>
        <source>Spend {amount} more to reach {tier}</source>
        <translation>再消费 {amount} 升级{tier}</translation>
    </message>
</context>
<context>
    <name>TiersTab</name>
    <message>
        <source>A member moves up the moment their growth reaches the next tier&apos;s threshold. Once a month, a member whose growth has fallen below their tier&apos;s retention figure (保级) moves down one tier.</source>
        <translation>会员成长值一达到更高等级的门槛即刻升级。每月评定一次，成长值低于本等级保级值的会员降一级。</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>升级门槛</translation>
    </message>
    <message>
        <source>Retention</source>
        <translation>保级</translation>
    </message>
    <message>
        <source>Discount</source>
        <translation>折扣</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分倍数</translation>
    </message>
    <message>
        <source>Member events</source>
        <translation>会员活动</translation>
    </message>
    <message>
        <source>Benefits</source>
        <translation>权益</translation>
    </message>
    <message>
        <source>Colour</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Only operators and administrators can change tiers.</source>
        <translation>只有运营和管理员可以修改等级。</translation>
    </message>
    <message>
        <source>Spend (¥)</source>
        <translation>消费金额（¥）</translation>
    </message>
    <message>
        <source>Points earned</source>
        <translation>所获积分</translation>
    </message>
    <message>
        <source> months</source>
        <translation> 个月</translation>
    </message>
    <message>
        <source>Save basis</source>
        <translation>保存依据</translation>
    </message>
    <message>
        <source>Growth counts</source>
        <translation>成长值计算</translation>
    </message>
    <message>
        <source>over the last</source>
        <translation>统计最近</translation>
    </message>
    <message>
        <source>Tier follows spend over the last {n} months; never the points balance.</source>
        <translation>等级按最近 {n} 个月的消费金额计算，与积分余额无关。</translation>
    </message>
    <message>
        <source>Tier follows points earned over the last {n} months; never the points balance.</source>
        <translation>等级按最近 {n} 个月所获积分计算，与积分余额无关。</translation>
    </message>
    <message>
        <source>{n} a month</source>
        <translation>每月 {n} 次</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Thresholds keep their numbers when the basis changes: review them below.</source>
        <translation>更改依据后门槛数值不变：请在下方检查。</translation>
    </message>
</context>
<context>
    <name>VoucherDialog</name>
    <message>
        <source>Voucher for {item}</source>
        <translation>{item} 兑换券</translation>
    </message>
    <message>
        <source>Redeemed {item} × {n} for {name}</source>
        <translation>已为 {name} 兑换 {item} × {n}</translation>
    </message>
    <message>
        <source>Voucher code</source>
        <translation>券码</translation>
    </message>
    <message>
        <source>{points} points paid, balance {balance}</source>
        <translation>已付 {points} 积分，积分余额 {balance}</translation>
    </message>
    <message>
        <source>{cash} to pay at the till</source>
        <translation>需在收银台付 {cash}</translation>
    </message>
</context>
<context>
    <name>VoucherSlipDialog</name>
    <message>
        <source>Valid until {day}</source>
        <translation>有效期至 {day}</translation>
    </message>
    <message>
        <source>Print slip…</source>
        <translation>打印凭条…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>存为 PDF…</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Save the slip as PDF</source>
        <translation>将凭条存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>The PDF could not be saved: {reason}</source>
        <translation>无法保存 PDF：{reason}</translation>
    </message>
    <message>
        <source>Saved the slip to {path}</source>
        <translation>凭条已保存到 {path}</translation>
    </message>
</context>
<context>
    <name>VoucherWriteOff</name>
    <message>
        <source>Scan or type the code of a voucher or a prize, then press Enter</source>
        <translation>扫描或输入兑换券或奖品的券码，然后按回车</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>查验</translation>
    </message>
    <message>
        <source>Write off</source>
        <translation>核销</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>券码</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Valid until</source>
        <translation>有效期至</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>兑换时间</translation>
    </message>
    <message>
        <source>A wheel prize, not handed over yet. Press Enter again or click Hand over to give it to the member.</source>
        <translation>转盘奖品，尚未领取。再按回车或点击“领取”即可交给会员。</translation>
    </message>
    <message>
        <source>Valid. Press Enter again or click Write off to use it.</source>
        <translation>券码有效。再按回车或点击“核销”即可使用。</translation>
    </message>
    <message>
        <source>Not valid</source>
        <translation>无效</translation>
    </message>
    <message>
        <source>Handed over: {prize} to {member}</source>
        <translation>已领取：{member} 的 {prize}</translation>
    </message>
    <message>
        <source>Written off: {item} for {member}</source>
        <translation>已核销：{member} 的 {item}</translation>
    </message>
    <message>
        <source>Goods</source>
        <translation>实物</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Service</source>
        <translation>服务</translation>
    </message>
    <message>
        <source>Wheel prize</source>
        <translation>大转盘奖品</translation>
    </message>
    <message>
        <source>Mall voucher</source>
        <translation>商城兑换券</translation>
    </message>
    <message>
        <source>face value {value}</source>
        <translation>面值 {value}</translation>
    </message>
    <message>
        <source>No expiry</source>
        <translation>长期有效</translation>
    </message>
    <message>
        <source>Won</source>
        <translation>中奖时间</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已核销</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>已领取</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation>领取</translation>
    </message>
</context>
<context>
    <name>WheelEditorDialog</name>
    <message>
        <source>Thanks for playing</source>
        <translation>谢谢参与</translation>
    </message>
    <message>
        <source>5 points</source>
        <translation>5积分</translation>
    </message>
    <message>
        <source>20 points</source>
        <translation>20积分</translation>
    </message>
    <message>
        <source>¥5 coupon</source>
        <translation>5元券</translation>
    </message>
    <message>
        <source>New wheel</source>
        <translation>新建大转盘</translation>
    </message>
    <message>
        <source>Edit wheel — {name}</source>
        <translation>编辑大转盘 — {name}</translation>
    </message>
    <message>
        <source>e.g. 春季大转盘</source>
        <translation>例如：春季大转盘</translation>
    </message>
    <message>
        <source>0 = free</source>
        <translation>0 = 免费</translation>
    </message>
    <message>
        <source>No cap</source>
        <translation>不限</translation>
    </message>
    <message>
        <source>No budget</source>
        <translation>不设预算</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>For the forecast</source>
        <translation>用于预估</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Opens</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Closes</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Cost per spin (points)</source>
        <translation>每次消耗（积分）</translation>
    </message>
    <message>
        <source>Pity counter (保底)</source>
        <translation>保底次数</translation>
    </message>
    <message>
        <source>Spins per member a day</source>
        <translation>每人每天次数</translation>
    </message>
    <message>
        <source>Spins per member in all</source>
        <translation>每人总次数</translation>
    </message>
    <message>
        <source>Budget (points)</source>
        <translation>预算（积分）</translation>
    </message>
    <message>
        <source>Spins you expect</source>
        <translation>预计抽奖次数</translation>
    </message>
    <message>
        <source>Free spins a day</source>
        <translation>每天免费次数</translation>
    </message>
    <message>
        <source>A prize is certain after this many spins in a row without one</source>
        <translation>连续这么多次未中奖后，下一次必中</translation>
    </message>
    <message>
        <source>Not saved: the panel warns when the budget would run out before this many spins</source>
        <translation>不保存：预算不够这么多次抽奖时，右侧会提醒</translation>
    </message>
    <message>
        <source>The wheel</source>
        <translation>转盘设置</translation>
    </message>
    <message>
        <source>Empty caps, budget or pity counter mean none. The budget covers all prizes, in points (1 point ≈ ¥0.10); {spent} paid out so far. A pity counter makes a prize certain after that many spins in a row without one. “Spins you expect” is not saved: it only drives the budget warning.</source>
        <translation>次数上限、预算、保底留空表示不设。预算覆盖全部奖品，以积分计（1 积分 ≈ ¥0.10），目前已送出 {spent}。保底：连续这么多次未中奖后必中。“预计抽奖次数”不保存，只用于预算提醒。</translation>
    </message>
    <message>
        <source>Segments (4 to 12)</source>
        <translation>扇区（4 到 12 个）</translation>
    </message>
    <message>
        <source>A segment&apos;s chance is its weight over the total weight. The fallback must be a “thanks for playing” segment: a spin lands there when a prize is out of stock or the budget is spent.</source>
        <translation>扇区的中奖概率 = 其权重 ÷ 总权重。兜底扇区必须是“谢谢参与”：奖品无库存或预算用完时，抽奖落在这里。</translation>
    </message>
    <message>
        <source>Publish wheel</source>
        <translation>发布大转盘</translation>
    </message>
    <message>
        <source>Publish new version</source>
        <translation>发布新版本</translation>
    </message>
    <message>
        <source>Publishing makes version {n}: spins already made keep their version; stock starts from what is left.</source>
        <translation>发布后为第 {n} 版：已抽的记录保留原版本；库存从剩余数量开始。</translation>
    </message>
    <message>
        <source>Spin</source>
        <translation>抽奖</translation>
    </message>
    <message>
        <source>{n} pts</source>
        <translation>{n}积分</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>免费</translation>
    </message>
</context>
<context>
    <name>WheelPanel</name>
    <message>
        <source>Customer screen</source>
        <translation>顾客屏</translation>
    </message>
    <message>
        <source>Show the wheel on the screen facing the customer</source>
        <translation>在面向顾客的屏幕上显示转盘</translation>
    </message>
    <message>
        <source>No wheel is open now. Operators set wheels up under Games setup.</source>
        <translation>当前没有进行中的转盘。运营人员可在“游戏设置”中设置转盘。</translation>
    </message>
    <message>
        <source>Spin  {key}</source>
        <translation>抽奖  {key}</translation>
    </message>
    <message>
        <source>Spin the wheel for the member ({key})</source>
        <translation>为会员抽奖（{key}）</translation>
    </message>
    <message>
        <source>Show the prize voucher…</source>
        <translation>查看奖品券…</translation>
    </message>
    <message>
        <source>Wheel</source>
        <translation>转盘</translation>
    </message>
    <message>
        <source>Spin</source>
        <translation>抽奖</translation>
    </message>
    <message>
        <source>Find the member at the counter to spin.</source>
        <translation>请先在收银台找到会员再抽奖。</translation>
    </message>
    <message>
        <source>Free</source>
        <translation>免费</translation>
    </message>
    <message>
        <source>{points} pts</source>
        <translation>{points} 积分</translation>
    </message>
    <message>
        <source>Last spins: {spins}</source>
        <translation>最近抽奖：{spins}</translation>
    </message>
    <message>
        <source>Free spins left today: {n}</source>
        <translation>今日免费 {n} 次</translation>
    </message>
    <message>
        <source>then {points} points a spin</source>
        <translation>之后每次 {points} 积分</translation>
    </message>
    <message>
        <source>{points} points a spin</source>
        <translation>每次 {points} 积分</translation>
    </message>
    <message>
        <source>Spins are free</source>
        <translation>免费抽奖</translation>
    </message>
    <message>
        <source>spins left today: {n}</source>
        <translation>今日还可抽 {n} 次</translation>
    </message>
    <message>
        <source>left on this wheel: {n}</source>
        <translation>本活动还可抽 {n} 次</translation>
    </message>
    <message>
        <source>a prize is certain within {n} spins</source>
        <translation>{n} 次内必中奖</translation>
    </message>
    <message>
        <source>balance {balance}</source>
        <translation>余额 {balance}</translation>
    </message>
</context>
<context>
    <name>WheelSegments</name>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Catalog item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Coupon</source>
        <translation>优惠券</translation>
    </message>
    <message>
        <source>Thanks for playing</source>
        <translation>谢谢参与</translation>
    </message>
</context>
<context>
    <name>WheelsTab</name>
    <message>
        <source>Wheel</source>
        <translation>大转盘</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>开放中</translation>
    </message>
    <message>
        <source>Spins</source>
        <translation>抽奖次数</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>开放时间</translation>
    </message>
    <message>
        <source>Budget spent</source>
        <translation>已用预算</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>New wheel</source>
        <translation>新建大转盘</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>No wheel yet. “New wheel” sets one up: segments, prizes, budget, and what a spin will cost the store.</source>
        <translation>还没有大转盘。“新建大转盘”可设置扇区、奖品、预算，并查看每次抽奖的成本。</translation>
    </message>
    <message>
        <source>{spent} of {budget}</source>
        <translation>{spent} / {budget}</translation>
    </message>
    <message>
        <source>{spent} (no budget)</source>
        <translation>{spent}（未设预算）</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Opens later</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已结束</translation>
    </message>
    <message>
        <source>Open, budget spent</source>
        <translation>进行中，预算已用完</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
</context>
</TS>
