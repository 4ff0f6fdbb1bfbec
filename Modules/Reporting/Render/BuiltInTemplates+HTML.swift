// The HTML part: tables for layout and inline styles, because mail clients drop most of <head>.
// The one <style> block only darkens the colours for clients that honour prefers-color-scheme;
// a client that strips it shows the light colours, which are explicit and readable on their own.
extension BuiltInTemplates {
    static let htmlDigest = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta name="supported-color-schemes" content="light dark">
        <title>{{subject}}</title>
        <style>
        :root { color-scheme: light dark; supported-color-schemes: light dark; }
        @media (prefers-color-scheme: dark) {
          .page { background-color: #0e1318 !important; }
          .card { background-color: #161c23 !important; }
          .ink { color: #e6ebf0 !important; }
          .muted { color: #a7b1bc !important; }
          .rule { border-color: #2c3540 !important; }
          .head { background-color: #1d252e !important; color: #a7b1bc !important; }
          .good { color: #5dd389 !important; }
          .bad { color: #ff8c82 !important; }
          .warn { border-left-color: #f0a94b !important; }
          .calm { border-left-color: #3b5878 !important; }
          .link { color: #8cc8ff !important; }
          .stage { border-bottom-color: #4f8fd6 !important; }
        }
        </style>
        </head>
        <body class="page" style="margin:0;padding:0;background-color:#eef1f5;">
        <div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">{{preheader}}</div>
        <table role="presentation" class="page" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#eef1f5;">
        <tr>
        <td align="center" style="padding:24px 12px;">
        <table role="presentation" class="card" width="640" cellpadding="0" cellspacing="0" border="0"
         style="width:100%;max-width:640px;background-color:#ffffff;border-radius:6px;">
        <tr>
        <td style="background-color:#1d4e89;border-radius:6px 6px 0 0;padding:22px 28px;font-family:Helvetica,Arial,sans-serif;">
        <div style="font-size:12px;line-height:18px;font-weight:bold;letter-spacing:1px;text-transform:uppercase;color:#d6e4f5;">{{period.label}}</div>
        <div style="font-size:26px;line-height:32px;font-weight:bold;color:#ffffff;padding:2px 0 4px;">{{list.title}}</div>
        <div style="font-size:13px;line-height:19px;color:#d6e4f5;">{{period.range}}, compared with {{period.previousRange}}</div>
        <div style="font-size:13px;line-height:19px;color:#d6e4f5;">{{list.scope}} &#183; times in {{list.timeZone}}</div>
        </td>
        </tr>
        <tr>
        <td class="ink" style="padding:22px 28px 4px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:22px;color:#1b2430;">
        <p style="margin:0 0 10px;">{{recipient.greeting}}</p>
        {{#digestIsEmpty}}
        <p style="margin:0;">{{nothingToReport}}</p>
        {{/digestIsEmpty}}
        {{^digestIsEmpty}}
        <p style="margin:0;">Here is where the services stand across the lifecycle: {{preheader}}</p>
        {{/digestIsEmpty}}
        </td>
        </tr>
        {{#glance}}
        <tr>
        <td style="padding:14px 22px 0;font-family:Helvetica,Arial,sans-serif;">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
        <tr>
        {{#tiles}}
        <td width="{{width}}" valign="top" style="padding:0 6px;">
        <div class="tile rule" style="border:1px solid #dfe4ea;border-radius:6px;padding:10px 12px;">
        <div class="muted" style="font-size:12px;line-height:16px;color:#5b6672;">{{label}}</div>
        <div class="ink" style="font-size:22px;line-height:30px;font-weight:bold;color:#1b2430;">{{value}}</div>
        <div class="{{#good}}good{{/good}}{{#bad}}bad{{/bad}}{{^good}}{{^bad}}muted{{/bad}}{{/good}}"
         style="font-size:12px;line-height:16px;color:{{#good}}#0f7b3a{{/good}}{{#bad}}#b3261e{{/bad}}{{^good}}{{^bad}}#5b6672{{/bad}}{{/good}};">{{change}}</div>
        </div>
        </td>
        {{/tiles}}
        </tr>
        </table>
        <div class="muted" style="padding:6px 6px 0;font-size:12px;line-height:16px;color:#5b6672;">Changes are against {{period.versus}}.</div>
        </td>
        </tr>
        {{/glance}}
        {{#sections}}
        {{>section}}
        {{/sections}}
        <tr>
        <td class="muted rule" style="padding:18px 28px 24px;border-top:1px solid #dfe4ea;font-family:Helvetica,Arial,sans-serif;font-size:12px;line-height:18px;color:#5b6672;">
        You receive this digest because you subscribed to {{list.title}}.<br>
        <a class="link" href="{{recipient.unsubscribeURL}}" style="color:#1d4e89;text-decoration:underline;">Unsubscribe</a>
        {{#recipient.manageURL}}
        &#183; <a class="link" href="{{.}}" style="color:#1d4e89;text-decoration:underline;">Manage your subscription</a>
        {{/recipient.manageURL}}
        &#183; Built {{generatedAt}} ({{list.timeZone}})
        </td>
        </tr>
        </table>
        </td>
        </tr>
        </table>
        </body>
        </html>

        """#

    static let htmlSection = #"""
        <tr>
        <td style="padding:22px 28px 6px;font-family:Helvetica,Arial,sans-serif;">
        <h2 class="ink stage" style="margin:0 0 4px;padding:0 0 6px;border-bottom:2px solid #1d4e89;font-size:19px;line-height:25px;color:#1b2430;">{{title}}</h2>
        {{#sectionIsEmpty}}
        <p class="muted" style="margin:10px 0 0;font-size:14px;line-height:20px;color:#5b6672;">{{emptyLine}}</p>
        {{/sectionIsEmpty}}
        {{#blocks}}
        {{>block}}
        {{/blocks}}
        </td>
        </tr>

        """#

    static let htmlBlock = #"""
        <h3 class="ink" style="margin:16px 0 6px;font-size:14px;line-height:20px;font-weight:bold;color:#1b2430;">{{heading}}</h3>
        {{#table}}
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:14px;line-height:20px;">
        <tr>
        <th align="left" width="44%" class="head rule" style="padding:5px 8px;background-color:#f4f6f9;border-bottom:1px solid #dfe4ea;font-size:12px;font-weight:bold;color:#5b6672;">{{labelHeading}}</th>
        {{#columns}}
        <th align="right" class="head rule" style="padding:5px 8px;background-color:#f4f6f9;border-bottom:1px solid #dfe4ea;font-size:12px;font-weight:bold;color:#5b6672;white-space:nowrap;">{{name}}</th>
        {{/columns}}
        </tr>
        {{#rows}}
        <tr>
        <td class="ink rule" style="padding:5px 8px;border-bottom:1px solid #dfe4ea;color:#1b2430;">{{label}}</td>
        {{#cells}}
        <td align="right" class="rule {{#good}}good{{/good}}{{#bad}}bad{{/bad}}{{^good}}{{^bad}}ink{{/bad}}{{/good}}"
         style="padding:5px 8px;border-bottom:1px solid #dfe4ea;white-space:nowrap;color:{{#good}}#0f7b3a{{/good}}{{#bad}}#b3261e{{/bad}}{{^good}}{{^bad}}#1b2430{{/bad}}{{/good}};">{{text}}</td>
        {{/cells}}
        </tr>
        {{/rows}}
        </table>
        {{#listFollows}}
        <div style="height:8px;line-height:8px;font-size:8px;">&#160;</div>
        {{/listFollows}}
        {{/table}}
        {{#entries}}
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 8px;">
        <tr>
        <td class="{{#warn}}warn{{/warn}}{{^warn}}calm{{/warn}}"
         style="padding:3px 0 3px 10px;border-left:3px solid {{#warn}}#d97706{{/warn}}{{^warn}}#c5d3e3{{/warn}};font-size:14px;line-height:20px;">
        <div class="ink" style="color:#1b2430;">{{#reference}}<strong>{{.}}</strong>&#160; {{/reference}}{{title}}</div>
        {{#detail}}
        <div class="muted" style="font-size:13px;line-height:19px;color:#5b6672;">{{.}}</div>
        {{/detail}}
        </td>
        </tr>
        </table>
        {{/entries}}
        {{#paragraph}}
        <p class="ink" style="margin:0;font-size:14px;line-height:20px;color:#1b2430;">{{.}}</p>
        {{/paragraph}}
        {{#none}}
        <p class="muted" style="margin:0;font-size:14px;line-height:20px;color:#5b6672;">{{.}}</p>
        {{/none}}

        """#
}
